<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name>AccountWidget</name>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="246"/>
        <source>读卡 F2</source>
        <translation>Read card F2</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="248"/>
        <source>读折 F3</source>
        <translation>Read passbook F3</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="267"/>
        <source>请插入卡片</source>
        <translation>Insert the card</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="268"/>
        <source>请刷存折磁条</source>
        <translation>Swipe the passbook&apos;s stripe</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="274"/>
        <source>已读取</source>
        <translation>Read</translation>
    </message>
</context>
<context>
    <name>AuthorizationDialog</name>
    <message>
        <location filename="../../teller/forms/authorize.py" line="49"/>
        <source>主管授权</source>
        <translation>Supervisor authorization</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="53"/>
        <source>交易摘要</source>
        <translation>Transaction summary</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="59"/>
        <source>授权原因</source>
        <translation>Reasons</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="62"/>
        <source>{0}级授权：{1}</source>
        <translation>Level {0}: {1}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="73"/>
        <source>拒绝授权时必须填写</source>
        <translation>Required when refusing</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="74"/>
        <source>主管柜员号</source>
        <translation>Supervisor ID</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="75"/>
        <source>主管密码</source>
        <translation>Supervisor password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="76"/>
        <source>备注</source>
        <translation>Remark</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="86"/>
        <source>同意授权 (F12)</source>
        <translation>Authorize (F12)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="87"/>
        <source>拒绝授权</source>
        <translation>Refuse</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="89"/>
        <source>取消 (Esc)</source>
        <translation>Cancel (Esc)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="112"/>
        <source>请主管输入柜员号和密码</source>
        <translation>Supervisor: enter your ID and password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="134"/>
        <source>该主管不能授权此交易：</source>
        <translation>This supervisor cannot authorize: </translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="136"/>
        <source>授权未通过</source>
        <translation>Authorization failed</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="146"/>
        <source>拒绝授权时必须填写备注</source>
        <translation>A remark is required to refuse</translation>
    </message>
    <message>
        <location filename="../../teller/forms/authorize.py" line="164"/>
        <source>授权失败：{0}</source>
        <translation>Authorization failed: {0}</translation>
    </message>
</context>
<context>
    <name>DenominationWidget</name>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="183"/>
        <source> 张</source>
        <translation> notes</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="196"/>
        <source>合计 {0}</source>
        <translation>Total {0}</translation>
    </message>
</context>
<context>
    <name>DevicePanel</name>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="65"/>
        <source>测试打印</source>
        <translation>Test print</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="68"/>
        <source>刷新</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="83"/>
        <source>存折打印机</source>
        <translation>Passbook printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="83"/>
        <source>密码键盘</source>
        <translation>PIN pad</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="84"/>
        <source>凭条打印机</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="84"/>
        <source>IC卡读卡器</source>
        <translation>IC card reader</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="114"/>
        <source>正在连接……</source>
        <translation>Connecting…</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="121"/>
        <source>正在打印……</source>
        <translation>Printing…</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="55"/>
        <source>未知</source>
        <translation>Unknown</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="59"/>
        <source>重新连接</source>
        <translation>Reconnect</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="89"/>
        <source>未配置</source>
        <translation>Not configured</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="90"/>
        <source>未连接</source>
        <translation>Disconnected</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="91"/>
        <source>就绪</source>
        <translation>Ready</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="92"/>
        <source>忙</source>
        <translation>Busy</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="93"/>
        <source>就绪（无介质）</source>
        <translation>Ready (no media)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="94"/>
        <source>介质已插入</source>
        <translation>Media inserted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="95"/>
        <source>缺纸</source>
        <translation>Paper out</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="96"/>
        <source>机盖打开</source>
        <translation>Cover open</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="97"/>
        <source>卡纸</source>
        <translation>Jammed</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="98"/>
        <source>故障</source>
        <translation>Fault</translation>
    </message>
    <message>
        <location filename="../../teller/forms/device_panel.py" line="123"/>
        <source>测试打印完成</source>
        <translation>Test print done</translation>
    </message>
</context>
<context>
    <name>EmulatorControl</name>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="23"/>
        <source>模拟器控制</source>
        <translation>Emulator control</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="26"/>
        <source>IC卡</source>
        <translation>IC card</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="31"/>
        <source>持卡人姓名</source>
        <translation>Cardholder name</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="32"/>
        <source>插卡</source>
        <translation>Insert card</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="34"/>
        <source>拔卡</source>
        <translation>Remove card</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="44"/>
        <source>存折打印机</source>
        <translation>Passbook printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="48"/>
        <source>插入存折</source>
        <translation>Insert passbook</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="50"/>
        <source>取出存折</source>
        <translation>Remove passbook</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="59"/>
        <source>在此行卡纸</source>
        <translation>Jam at this line</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="61"/>
        <source>清除卡纸</source>
        <translation>Clear jam</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="63"/>
        <location filename="../../teller/forms/emulator_control.py" line="138"/>
        <source>打开机盖</source>
        <translation>Open cover</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="71"/>
        <source>密码键盘</source>
        <translation>PIN pad</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="76"/>
        <source>客户密码</source>
        <translation>Customer PIN</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="77"/>
        <source>输入并确认</source>
        <translation>Type and confirm</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="79"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="85"/>
        <source>凭条打印机</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="113"/>
        <source>已拔卡</source>
        <translation>Card removed</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="118"/>
        <source>已插入存折</source>
        <translation>Passbook inserted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="122"/>
        <source>已取出存折</source>
        <translation>Passbook removed</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="130"/>
        <source>卡纸已清除</source>
        <translation>Jam cleared</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="41"/>
        <source>PC/SC（pcscd + vpcd）不可用，无法模拟IC卡</source>
        <translation>PC/SC (pcscd + vpcd) is not available; no virtual card</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="135"/>
        <source>关闭机盖</source>
        <translation>Close cover</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="149"/>
        <source>密码只能是数字</source>
        <translation>The PIN must be digits</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="152"/>
        <source>密码键盘未在等待输入</source>
        <translation>The PIN pad is not waiting for a PIN</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="155"/>
        <source>已输入密码</source>
        <translation>PIN entered</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="109"/>
        <source>已插卡 {0}</source>
        <translation>Card {0} inserted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="126"/>
        <source>将在第{0}行卡纸</source>
        <translation>Will jam at line {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/emulator_control.py" line="107"/>
        <source>插卡失败：{0}</source>
        <translation>Card insert failed: {0}</translation>
    </message>
</context>
<context>
    <name>JournalModel</name>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="21"/>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="21"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="21"/>
        <source>交易码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="22"/>
        <source>账号</source>
        <translation>Account</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="22"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="22"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="23"/>
        <source>已记账</source>
        <translation>Posted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="23"/>
        <source>已冲正</source>
        <translation>Reversed</translation>
    </message>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="24"/>
        <source>冲正交易</source>
        <translation>Reversal</translation>
    </message>
</context>
<context>
    <name>JournalView</name>
    <message>
        <location filename="../../teller/forms/journal_view.py" line="67"/>
        <source>搜索流水号、账号、交易码……</source>
        <translation>Search journal no., account, code…</translation>
    </message>
</context>
<context>
    <name>LockAction</name>
    <message>
        <location filename="../../teller/forms/lock.py" line="25"/>
        <source>暂离 Ctrl+L</source>
        <translation>Lock Ctrl+L</translation>
    </message>
</context>
<context>
    <name>LockDialog</name>
    <message>
        <location filename="../../teller/forms/lock.py" line="37"/>
        <source>暂离锁屏</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../../teller/forms/lock.py" line="40"/>
        <source>柜员 {0} {1} 暂离，屏幕已锁定</source>
        <translation>Teller {0} {1} is away; the screen is locked</translation>
    </message>
    <message>
        <location filename="../../teller/forms/lock.py" line="43"/>
        <source>请输入本人密码解锁（回车确认）</source>
        <translation>Type your own password to unlock (Enter)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/lock.py" line="68"/>
        <source>密码错误，只有本人可以解锁</source>
        <translation>Wrong password; only the same operator can unlock</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../teller/forms/main_window.py" line="81"/>
        <source>交易</source>
        <translation>Transaction</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="84"/>
        <source> 交易码 </source>
        <translation> Code </translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="97"/>
        <source>刷新流水 F5</source>
        <translation>Refresh journal F5</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="99"/>
        <source>系统设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="102"/>
        <source>日结流水清单</source>
        <translation>Daily journal report</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="104"/>
        <source>签退 F10</source>
        <translation>Sign off F10</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="127"/>
        <source>交易菜单</source>
        <translation>Transactions</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="132"/>
        <source>外设</source>
        <translation>Devices</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="134"/>
        <source>外设面板</source>
        <translation>Device panel</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="155"/>
        <source>柜员 {0} {1}</source>
        <translation>Teller {0} {1}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="158"/>
        <location filename="../../teller/forms/main_window.py" line="185"/>
        <source>外设：未配置</source>
        <translation>Devices: not configured</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="164"/>
        <source>柜面业务系统</source>
        <translation>Teller Terminal</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="173"/>
        <source>营业日 {0}</source>
        <translation>Business date {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="174"/>
        <source>柜面业务系统 - {0}</source>
        <translation>Teller Terminal - {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="177"/>
        <source>核心：联机</source>
        <translation>Core: online</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="177"/>
        <source>核心：脱机</source>
        <translation>Core: OFFLINE</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="184"/>
        <source>外设：{0}</source>
        <translation>Devices: {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="211"/>
        <source>请先完成或退出当前交易</source>
        <translation>Finish or leave the open transaction first</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="223"/>
        <source>请输入交易码</source>
        <translation>Enter a transaction code</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="280"/>
        <location filename="../../teller/forms/main_window.py" line="303"/>
        <source>凭证</source>
        <translation>Voucher</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="281"/>
        <source>流水 {0} 没有凭证</source>
        <translation>No voucher for journal {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="303"/>
        <source>没有可打开的电子凭证</source>
        <translation>No electronic voucher to open</translation>
    </message>
</context>
<context>
    <name>PinWidget</name>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="305"/>
        <source>请客户在密码键盘输入</source>
        <translation>Ask the customer to use the PIN pad</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="306"/>
        <source>密码键盘 F4</source>
        <translation>PIN pad F4</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="315"/>
        <source>本柜台未配置密码键盘</source>
        <translation>No PIN pad at this counter</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="317"/>
        <source>等待客户输入……</source>
        <translation>Waiting for the customer…</translation>
    </message>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="324"/>
        <source>客户已输入密码</source>
        <translation>PIN entered</translation>
    </message>
</context>
<context>
    <name>RecoveryDialog</name>
    <message>
        <location filename="../../teller/forms/recovery.py" line="71"/>
        <source>未完成交易</source>
        <translation>Unfinished transactions</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="75"/>
        <source>未确认的记账步骤（已在本机预记，核心结果未知或未记账）</source>
        <translation>Unconfirmed posting steps (written ahead at this terminal; the core&apos;s result is unknown or it did not post)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="77"/>
        <location filename="../../teller/forms/recovery.py" line="92"/>
        <source>交易码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="77"/>
        <location filename="../../teller/forms/recovery.py" line="92"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="77"/>
        <source>幂等键</source>
        <translation>Key</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="77"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="78"/>
        <source>状态</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="81"/>
        <source>重发</source>
        <translation>Retry</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="82"/>
        <source>放弃</source>
        <translation>Discard</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="90"/>
        <source>中断的交易</source>
        <translation>Interrupted transactions</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="92"/>
        <source>已记流水</source>
        <translation>Posted journal nos.</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="92"/>
        <source>摘要</source>
        <translation>Summary</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="95"/>
        <source>继续</source>
        <translation>Resume</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="96"/>
        <source>放弃交易</source>
        <translation>Abandon</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="138"/>
        <source>结果未知</source>
        <translation>Result unknown</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="138"/>
        <source>核心未记账</source>
        <translation>Not posted by the core</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="215"/>
        <source>已记账，流水号 {0}</source>
        <translation>Posted, journal no. {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="216"/>
        <source>已处理</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../teller/forms/recovery.py" line="227"/>
        <source>操作失败：{0}</source>
        <translation>Failed: {0}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="42"/>
        <source>系统设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="50"/>
        <source>留空使用本机内置数据库</source>
        <translation>Empty: the embedded database on this machine</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="53"/>
        <source>保存在系统密钥环中，不写入配置文件</source>
        <translation>Kept in the system keyring, never in the settings file</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="59"/>
        <source>终端号</source>
        <translation>Terminal ID</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="60"/>
        <source>机构号</source>
        <translation>Branch</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="61"/>
        <source>核心数据库地址</source>
        <translation>Core database URL</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="62"/>
        <source>数据库密码</source>
        <translation>Database password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="63"/>
        <source>界面语言</source>
        <translation>Language</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="66"/>
        <source>外设端口</source>
        <translation>Device ports</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="68"/>
        <source>IC卡读卡器</source>
        <translation>IC card reader</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="68"/>
        <source>存折打印机</source>
        <translation>Passbook printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="69"/>
        <source>密码键盘</source>
        <translation>PIN pad</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="69"/>
        <source>凭条打印机</source>
        <translation>Receipt printer</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="83"/>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="84"/>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="93"/>
        <source>数据库地址格式不正确，例如 postgresql://user@host/db</source>
        <translation>Malformed database URL, e.g. postgresql://user@host/db</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="97"/>
        <source>本机没有可用的密钥环，无法保存数据库密码</source>
        <translation>No keyring on this machine; the database password cannot be saved</translation>
    </message>
    <message>
        <location filename="../../teller/forms/settings_dialog.py" line="102"/>
        <source>无法保存到密钥环：{0}</source>
        <translation>Could not save to the keyring: {0}</translation>
    </message>
</context>
<context>
    <name>SignOnDialog</name>
    <message>
        <location filename="../../teller/forms/signon.py" line="41"/>
        <source>柜员签到</source>
        <translation>Teller sign-on</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="45"/>
        <source>柜面业务系统</source>
        <translation>Teller Terminal</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="60"/>
        <source>柜员号</source>
        <translation>User ID</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="61"/>
        <source>密码</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="66"/>
        <source>首次签到或密码已重置，请设置新密码（6至12位，须含字母和数字）</source>
        <translation>First sign-on or reset password: choose a new one (6-12 characters, letters and digits)</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="73"/>
        <source>新密码</source>
        <translation>New password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="74"/>
        <source>确认新密码</source>
        <translation>Repeat new password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="84"/>
        <location filename="../../teller/forms/signon.py" line="169"/>
        <source>签到</source>
        <translation>Sign on</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="85"/>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="87"/>
        <source>系统设置</source>
        <translation>Settings</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="122"/>
        <source>请输入柜员号和密码</source>
        <translation>Enter your user ID and password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="136"/>
        <source>修改密码</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="137"/>
        <source>必须先修改密码才能办理业务</source>
        <translation>You must change your password before working</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="151"/>
        <source>两次输入的新密码不一致</source>
        <translation>The two new passwords differ</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="180"/>
        <source>无法连接核心系统：{0}</source>
        <translation>Cannot reach the core: {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/signon.py" line="183"/>
        <source>核心系统脱机：{0}</source>
        <translation>Core offline: {0}</translation>
    </message>
</context>
<context>
    <name>VoucherDialog</name>
    <message>
        <location filename="../../teller/forms/main_window.py" line="41"/>
        <source>凭证 {0}</source>
        <translation>Voucher {0}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="47"/>
        <source>网点</source>
        <translation>Branch</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="47"/>
        <source>交易码</source>
        <translation>Code</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="48"/>
        <source>账号</source>
        <translation>Account</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="49"/>
        <source>户名</source>
        <translation>Name</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="50"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="51"/>
        <source>大写</source>
        <translation>In words</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="52"/>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="52"/>
        <source>柜员</source>
        <translation>Teller</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="53"/>
        <source>授权</source>
        <translation>Authorized by</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="54"/>
        <source>时间</source>
        <translation>Time</translation>
    </message>
    <message>
        <location filename="../../teller/forms/main_window.py" line="60"/>
        <source>电子凭证 PDF</source>
        <translation>Electronic voucher (PDF)</translation>
    </message>
</context>
<context>
    <name>WizardHost</name>
    <message>
        <location filename="../../teller/forms/wizard.py" line="88"/>
        <source>上一步 Esc</source>
        <translation>Back Esc</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="89"/>
        <source>下一步 Enter</source>
        <translation>Next Enter</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="90"/>
        <source>提交 F12</source>
        <translation>Submit F12</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="91"/>
        <source>完成 Enter</source>
        <translation>Done Enter</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="113"/>
        <source>正在打开交易 {0}……</source>
        <translation>Opening transaction {0}…</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="175"/>
        <source>第 {0} 步 / 共 {1} 步：{2}</source>
        <translation>Step {0} of {1}: {2}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="191"/>
        <source>需{0}级授权：{1}</source>
        <translation>Needs level {0} authorization: {1}</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="194"/>
        <source>请核对后按 F12 或 Enter 提交</source>
        <translation>Check, then press F12 or Enter to submit</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="198"/>
        <location filename="../../teller/forms/wizard.py" line="199"/>
        <source>交易成功</source>
        <translation>Done</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="203"/>
        <source>流水号</source>
        <translation>Journal no.</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="211"/>
        <source>交易提示</source>
        <translation>Notice</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="215"/>
        <source>金额</source>
        <translation>Amount</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="218"/>
        <source>余额</source>
        <translation>Balance</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="219"/>
        <source>凭证已送打印；按 Enter 返回</source>
        <translation>Voucher sent to the printer; press Enter to return</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="385"/>
        <source>交易</source>
        <translation>Transaction</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="386"/>
        <source>柜员</source>
        <translation>Teller</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="415"/>
        <source>主管拒绝授权，交易未记账</source>
        <translation>The supervisor refused; nothing was posted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="417"/>
        <source>未经授权，交易未记账</source>
        <translation>Not authorized; nothing was posted</translation>
    </message>
    <message>
        <location filename="../../teller/forms/wizard.py" line="443"/>
        <source>操作失败：{0}</source>
        <translation>Failed: {0}</translation>
    </message>
</context>
<context>
    <name>_DeviceField</name>
    <message>
        <location filename="../../teller/forms/field_widgets.py" line="232"/>
        <source>外设操作失败：{0}</source>
        <translation>Device error: {0}</translation>
    </message>
</context>
</TS>
