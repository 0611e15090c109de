"""Numbered transactions (交易) as page flows — no Qt, no SQL.

- :mod:`.fields`   field specs (AccountField, AmountField, ChoiceField, TextField,
                   DateField, IdField, PinField, DenominationCountField)
- :mod:`.flow`     Page, Commit, Flow, AuthNeed, CommitResult, FlowState, FlowRun
- :mod:`.context`  Services (what a flow may reach) and StepContext (one commit step)
- :mod:`.registry` default_registry(): code -> flow, menu by category
- :mod:`.voucher`  Voucher payload handed to the printing hook
- ``t<code>_<name>.py``  one module per transaction, discovered automatically
"""
