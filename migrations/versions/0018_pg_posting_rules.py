"""PostgreSQL: the posting engine's transaction as one server-side function.

``teller_post(...)`` does in one call what ``PostingEngine._post_in``
(teller/core/posting.py) does in several round trips — same order, same
locks, same refusals, same hash chain — so a posting costs the client one
statement.  ``teller_posting_rules()`` is the rule table the function reads
for status and control checks (one row per rule); a later rule is a new row
in a later migration (``CREATE OR REPLACE FUNCTION teller_posting_rules``),
and teller/core/posting_pg.py refuses to use the function while its rows
differ from the Python engine's.

The function posts only what it fully knows: requests that could meet a rule
kept in Python alone (limits, deductions, time-deposit kinds, class ceilings,
core effects, cash counts) are sent to the Python engine by the client
(teller/core/posting_pg.py ``python_only_reason``), and accounts that could
are found here after their lock: the call then raises SQLSTATE ``TLR02``
before writing anything and the client posts the request through the Python
engine instead.  The kinds and classes to look for come in as arguments from
that same module, so posting.py stays the one list.

It runs last in the chain (after 0017_controls), so taking it away never has
to take the other areas' tables with it.  A database that got the earlier
version of this function (revision 0010_pg_posting) gets it replaced here.

Nothing to do on SQLite: there the Python engine is the only implementation.

Revision ID: 0018_pg_posting_rules
Revises: 0017_controls
"""
from alembic import op

revision = "0018_pg_posting_rules"
down_revision = "0017_controls"
branch_labels = None
depends_on = None

# source: 'status' (accounts.status) or 'control' (an active account_controls
# row of that kind); applies: 'any' | 'in' | 'out' (natural-side inflow or
# outflow of the leg); effect: 'block' refuses the leg, 'reduce' takes the
# control's amount off the available balance; exempt: purposes it lets pass.
RULES_SQL = r"""
CREATE OR REPLACE FUNCTION teller_posting_rules()
RETURNS TABLE(source text, kind text, applies text, effect text, exempt text[],
              message_zh text, message_en text)
LANGUAGE sql IMMUTABLE AS $$
VALUES
  ('status', 'closed', 'any', 'block', '{}'::text[], '账户已销户', 'The account is closed'),
  ('status', 'settled', 'any', 'block', '{}', '账户已结清', 'The account is settled'),
  ('status', 'off_book', 'any', 'block', '{}', '账户已转营业外，不能交易',
   'The account is off-book'),
  ('status', 'dormant', 'out', 'block', '{}', '账户为睡眠户，请先办理激活',
   'The account is dormant; reactivate it first'),
  ('control', 'sealed', 'out', 'block', '{}', '账户已封存，不能支取',
   'The account is sealed; no debits'),
  ('control', 'receive_only', 'out', 'block', '{}', '账户只收不付，不能支取',
   'The account is receive-only'),
  ('control', 'freeze_full', 'out', 'block', '{judicial_deduction}',
   '账户已被司法冻结（不收不付）', 'The account is frozen (full)'),
  ('control', 'freeze_one_way', 'out', 'block', '{judicial_deduction}',
   '账户已被司法冻结（只收不付）', 'The account is frozen (one-way)'),
  ('control', 'loss_report', 'out', 'block', '{judicial_deduction,loan_repayment}',
   '账户已挂失，不能支取或转出', 'The account is reported lost'),
  ('control', 'pay_only', 'in', 'block', '{}', '账户只付不收，不能存入',
   'The account is pay-only; no credits'),
  ('control', 'freeze_full', 'in', 'block', '{}', '账户已被司法冻结（不收不付），不能存入',
   'The account is frozen (full)'),
  ('control', 'hold', 'out', 'reduce', '{hold_deduction}', '', ''),
  ('control', 'freeze_partial', 'out', 'reduce', '{judicial_deduction}', '', '')
$$
"""

HELPERS_SQL = [r"""
CREATE OR REPLACE FUNCTION teller_refuse(p_code text, p_zh text, p_en text, p_account text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    -- SQLSTATE TLR01 = a business refusal; the client turns it into PostingRefused.
    RAISE EXCEPTION USING ERRCODE = 'TLR01', MESSAGE = p_code,
        DETAIL = json_build_object('zh', p_zh, 'en', p_en, 'account', p_account)::text;
END $$
""", r"""
CREATE OR REPLACE FUNCTION teller_yuan(p_fen bigint, p_grouped boolean)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    -- Python's f"{fen / 100:.2f}" and f"{fen / 100:,.2f}" for fen >= 0
    SELECT CASE WHEN p_grouped
                THEN to_char(p_fen::numeric / 100, 'FM999,999,999,999,999,990.00')
                ELSE to_char(p_fen::numeric / 100, 'FM999999999999999990.00') END
$$
"""]

POST_SQL = r"""
CREATE OR REPLACE FUNCTION teller_post(
    p_key text, p_digest text, p_branch text, p_teller text, p_terminal text,
    p_txn text, p_step text, p_purpose text, p_memo text, p_reversible boolean,
    p_offline boolean, p_reverses bigint, p_created_at timestamp,
    p_accounts text[], p_directions text[], p_amounts bigint[], p_leg_memos text[],
    p_required_level text, p_supervisor text, p_grant_level text,
    p_reasons text, p_remark text, p_python_kinds text[], p_python_classes text[],
    p_cash_accounts text[], p_cash_values bigint[], p_cash_dirs text[], p_cash_pieces bigint[])
RETURNS TABLE(o_entry_id bigint, o_business_date date, o_sequence integer,
              o_created_at timestamp, o_teller text, o_txn text, o_step text,
              o_reverses bigint, o_replayed boolean, o_accounts text[],
              o_directions text[], o_amounts bigint[], o_balances bigint[])
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_found boolean;
    v_bdate date; v_bstatus text; v_existing bigint; v_digest text;
    v_orig record;
    v_need text; v_role text; v_level text; v_ustatus text;
    v_hdate date; v_hseq integer; v_prev text;
    a_num text[] := '{}'; a_subject text[] := '{}'; a_side text[] := '{}';
    a_onbs boolean[] := '{}'; a_status text[] := '{}'; a_start bigint[] := '{}';
    a_balance bigint[] := '{}'; a_limit bigint[] := '{}';
    a_kinds text[] := '{}'; a_amounts text[] := '{}';  -- per account, as array literals
    a_kind text[] := '{}'; a_box_ok boolean[] := '{}'; a_box_vault boolean[] := '{}';
    v_net bigint; v_counted bigint; v_poster_role text; v_missing boolean := false; k integer;
    v_short bigint; v_known bigint;
    v_kinds text[]; v_amounts bigint[];
    r record; n integer := coalesce(array_length(p_accounts, 1), 0); i integer; j integer;
    v_debit bigint := 0; v_credit bigint := 0;
    v_inflow boolean; v_dir text; v_block record; v_reduce bigint; v_avail bigint;
    v_after bigint[] := '{}'; v_subjects text[] := '{}';
    v_seq integer; v_legs text := ''; v_hash text; v_id bigint;
    v_python boolean := false;
BEGIN
    -- 1. the key and the branch in one statement (the common case is a new key)
    SELECT b.business_date, b.status,
           (SELECT e.id FROM journal_entries e WHERE e.idempotency_key = p_key)
      INTO v_bdate, v_bstatus, v_existing
      FROM branches b WHERE b.code = p_branch;
    v_found := FOUND;
    IF v_found AND v_existing IS NOT NULL THEN
        SELECT e.request_digest INTO v_digest FROM journal_entries e WHERE e.id = v_existing;
        IF v_digest <> p_digest THEN
            PERFORM teller_refuse('key_reused', '同一交易编号已用于另一笔交易',
                                  'This idempotency key was used for a different request', NULL);
        END IF;
        RETURN QUERY
            SELECT e.id, e.business_date, e.journal_sequence, e.created_at,
                   e.teller_code::text, e.txn_code::text, e.step::text, e.reverses_entry_id,
                   true, array_agg(p.account_number::text ORDER BY p.leg),
                   array_agg(p.direction::text ORDER BY p.leg),
                   array_agg(p.amount ORDER BY p.leg), array_agg(p.balance_after ORDER BY p.leg)
              FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.id
             WHERE e.id = v_existing
             GROUP BY e.id;
        RETURN;
    END IF;
    IF NOT v_found THEN
        PERFORM teller_refuse('no_branch', '网点不存在', 'No such branch', NULL);
    END IF;
    IF v_bstatus <> 'open' THEN
        PERFORM teller_refuse('branch_closed', '网点已日终或未开门，不能记账',
                              'The branch is not open for business', NULL);
    END IF;

    -- 2. reversal and authorization checks (read-only)
    IF p_reverses IS NOT NULL THEN
        SELECT e.id, e.reverses_entry_id, e.reversible, e.business_date INTO v_orig
          FROM journal_entries e WHERE e.id = p_reverses;
        IF NOT FOUND THEN
            PERFORM teller_refuse('no_entry', '原交易不存在', 'No such entry', NULL);
        END IF;
        IF v_orig.reverses_entry_id IS NOT NULL THEN
            PERFORM teller_refuse('reverse_reversal', '冲正交易不能再冲正',
                                  'A reversal cannot itself be reversed', NULL);
        END IF;
        IF NOT v_orig.reversible THEN
            PERFORM teller_refuse('irreversible', '该交易不允许冲正',
                                  'This step cannot be reversed', NULL);
        END IF;
        IF v_orig.business_date <> v_bdate THEN
            PERFORM teller_refuse('not_same_day', '只能冲正当日交易',
                                  'Only today''s entries can be reversed', NULL);
        END IF;
        IF EXISTS (SELECT 1 FROM journal_entries e WHERE e.reverses_entry_id = v_orig.id) THEN
            PERFORM teller_refuse('already_reversed', '该交易已冲正', 'Already reversed', NULL);
        END IF;
    END IF;
    IF p_supervisor IS NOT NULL THEN
        v_need := coalesce(nullif(p_required_level, ''), p_grant_level);
        IF p_supervisor = p_teller THEN
            PERFORM teller_refuse('self_authorization', '不能为本人的交易授权',
                                  'Nobody may authorize their own transaction', NULL);
        END IF;
        SELECT u.role, u.auth_level, u.status INTO v_role, v_level, v_ustatus
          FROM users u WHERE u.code = p_supervisor;
        IF NOT FOUND OR v_role <> 'supervisor' OR v_ustatus <> 'active' THEN
            PERFORM teller_refuse('not_supervisor', p_supervisor || ' 不是授权主管',
                                  p_supervisor || ' is not a supervisor', NULL);
        END IF;
        IF (CASE v_level WHEN 'A' THEN 1 WHEN 'B' THEN 2 ELSE 0 END)
           < (CASE coalesce(nullif(v_need, ''), 'A') WHEN 'A' THEN 1 WHEN 'B' THEN 2 ELSE 1 END)
        THEN
            PERFORM teller_refuse('level_too_low', '授权级别不足：需要' || v_need || '级授权',
                                  'Authorization level ' || v_need || ' required', NULL);
        END IF;
    END IF;

    -- 3. locks: the teller's journal head, then the accounts by number
    SELECT h.business_date, h.last_sequence, h.last_hash INTO v_hdate, v_hseq, v_prev
      FROM teller_journal_heads h WHERE h.teller_code = p_teller FOR UPDATE;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM users u WHERE u.code = p_teller) THEN
            PERFORM teller_refuse('no_teller', '柜员不存在', 'No such teller', NULL);
        END IF;
        -- a concurrent first posting of the same teller loses on the primary
        -- key and is retried by the client, as on the Python path
        INSERT INTO teller_journal_heads (teller_code, business_date, last_sequence, last_hash)
        VALUES (p_teller, v_bdate, 0, repeat('0', 64));
        v_hdate := v_bdate; v_hseq := 0; v_prev := repeat('0', 64);
    END IF;
    -- the active controls come with the lock (most accounts have none)
    FOR r IN
        SELECT a.number::text AS number, a.subject_code::text AS subject_code,
               a.status::text AS status, a.kind::text AS kind,
               a.account_class::text AS account_class, a.balance, a.overdraft_limit,
               s.side::text AS side, s.on_balance_sheet, c.kinds::text AS kinds,
               c.amounts::text AS amounts,
               -- a cash leg's box: drawn by the poster, or the vault's own row
               coalesce(b.kind = 'teller' AND b.status = 'drawn' AND b.holder_user = p_teller,
                        false) AS box_ok,
               coalesce(b.kind = 'vault', false) AS box_vault,
               EXISTS (SELECT 1 FROM limit_rules l
                        WHERE l.account_number = a.number AND l.status = 'active') AS limited
          FROM accounts a JOIN gl_subjects s ON s.code = a.subject_code
          LEFT JOIN cash_boxes b ON b.account_number = a.number
          LEFT JOIN LATERAL (
                SELECT array_agg(k.kind::text ORDER BY k.id) AS kinds,
                       array_agg(k.amount ORDER BY k.id) AS amounts
                  FROM account_controls k
                 WHERE k.account_number = a.number AND k.status = 'active'
                   AND k.starts_on <= v_bdate
                   AND (k.expires_on IS NULL OR k.expires_on >= v_bdate)) c ON true
         WHERE a.number = ANY (p_accounts)
         ORDER BY a.number COLLATE "C"
           FOR UPDATE OF a
    LOOP
        IF r.kind = ANY (p_python_kinds) OR r.account_class = ANY (p_python_classes)
           OR r.limited THEN
            v_python := true;
        END IF;
        a_num := a_num || r.number; a_subject := a_subject || r.subject_code;
        a_side := a_side || r.side; a_onbs := a_onbs || r.on_balance_sheet;
        a_status := a_status || r.status; a_start := a_start || r.balance;
        a_balance := a_balance || r.balance; a_limit := a_limit || r.overdraft_limit;
        a_kinds := a_kinds || r.kinds; a_amounts := a_amounts || r.amounts;
        a_kind := a_kind || r.kind; a_box_ok := a_box_ok || r.box_ok;
        a_box_vault := a_box_vault || r.box_vault;
    END LOOP;
    -- An account under a rule only the Python engine knows (a time-deposit kind,
    -- a class ceiling, a transaction limit): nothing is written yet, so the
    -- client can post the whole request through the Python engine instead.
    IF v_python THEN
        RAISE EXCEPTION USING ERRCODE = 'TLR02', MESSAGE = 'python_path';
    END IF;
    FOR i IN 1 .. n LOOP
        IF array_position(a_num, p_accounts[i]) IS NULL THEN v_missing := true; END IF;
    END LOOP;
    IF v_missing THEN
        FOR r IN SELECT DISTINCT x COLLATE "C" AS number FROM unnest(p_accounts) x ORDER BY 1 LOOP
            IF array_position(a_num, r.number) IS NULL THEN
                PERFORM teller_refuse('no_account', '账户 ' || r.number || ' 不存在',
                                      'Account ' || r.number || ' does not exist', r.number);
            END IF;
        END LOOP;
    END IF;

    -- 4. balance (off-balance-sheet counts are single-entry), then each leg
    FOR i IN 1 .. n LOOP
        j := array_position(a_num, p_accounts[i]);
        IF a_onbs[j] THEN
            IF p_directions[i] = 'D' THEN v_debit := v_debit + p_amounts[i];
            ELSE v_credit := v_credit + p_amounts[i]; END IF;
        END IF;
    END LOOP;
    IF v_debit <> v_credit THEN
        PERFORM teller_refuse('unbalanced',
            '借贷不平衡：借方 ' || teller_yuan(v_debit, false) || '，贷方 '
                || teller_yuan(v_credit, false),
            'Unbalanced entry: debits ' || teller_yuan(v_debit, false) || ', credits '
                || teller_yuan(v_credit, false), NULL);
    END IF;
    FOR i IN 1 .. n LOOP
        j := array_position(a_num, p_accounts[i]);
        v_inflow := p_directions[i] = a_side[j];
        v_dir := CASE WHEN v_inflow THEN 'in' ELSE 'out' END;
        v_kinds := a_kinds[j]::text[]; v_amounts := a_amounts[j]::bigint[];
        -- the first blocking rule: status before controls, controls by kind
        -- ('normal' is the unrestricted status: an account without controls
        -- in it has nothing to look up, which is nearly every leg)
        IF a_status[j] <> 'normal' OR v_kinds IS NOT NULL THEN
            SELECT rule.kind, rule.source, rule.message_zh, rule.message_en INTO v_block
              FROM teller_posting_rules() rule
             WHERE rule.effect = 'block' AND rule.applies IN ('any', v_dir)
               AND NOT (p_purpose = ANY (rule.exempt))
               AND CASE rule.source WHEN 'status' THEN rule.kind = a_status[j]
                                    ELSE rule.kind = ANY (coalesce(v_kinds, '{}')) END
             ORDER BY rule.source = 'control', rule.kind COLLATE "C"
             LIMIT 1;
            IF FOUND THEN
                PERFORM teller_refuse(v_block.source || '_' || v_block.kind,
                                      v_block.message_zh || '：' || a_num[j], v_block.message_en,
                                      a_num[j]);
            END IF;
        END IF;
        IF NOT v_inflow AND a_limit[j] IS NOT NULL THEN
            v_reduce := 0;
            IF v_kinds IS NOT NULL THEN
                SELECT coalesce(sum(x.amount), 0) INTO v_reduce
                  FROM unnest(coalesce(v_kinds, '{}'), coalesce(v_amounts, '{}')) x(kind, amount)
                  JOIN teller_posting_rules() rule
                    ON rule.source = 'control' AND rule.kind = x.kind AND rule.effect = 'reduce'
                   AND rule.applies IN ('any', 'out') AND NOT (p_purpose = ANY (rule.exempt));
            END IF;
            v_avail := a_balance[j] - v_reduce + a_limit[j];
            IF p_amounts[i] > v_avail THEN
                PERFORM teller_refuse('insufficient',
                    '可用余额不足：' || a_num[j] || ' 可用 ' || teller_yuan(greatest(v_avail, 0), true)
                        || ' 元',
                    'Insufficient available balance on ' || a_num[j], a_num[j]);
            END IF;
        END IF;
        a_balance[j] := a_balance[j] + CASE WHEN v_inflow THEN p_amounts[i] ELSE -p_amounts[i] END;
        v_after := v_after || a_balance[j];
        v_subjects := v_subjects || a_subject[j];
        v_legs := v_legs || CASE WHEN i > 1 THEN ',' ELSE '' END || '[' || i || ','
            || to_json(p_accounts[i])::text || ',' || to_json(a_subject[j])::text || ','
            || to_json(p_directions[i])::text || ',' || p_amounts[i] || ',' || a_balance[j] || ','
            || to_json(p_leg_memos[i])::text || ']';
    END LOOP;

    -- 4b. 券别 (teller.core.cash.counts.record_counts): a cash leg is on the
    -- poster's own drawn box, or on the vault posted by a supervisor, and its
    -- counts add up to the account's net cash; counts only for cash legs.
    -- Everything else about cash (a box kept in the vault or not yet a
    -- cash_boxes row, counts missing, not adding up or on a non-cash account)
    -- goes to the Python engine, which words the refusal: TLR02 before anything
    -- is written. An unknown denomination or a box short of a note is found
    -- when the holdings are written (step 5): TLR02 then rolls the call back.
    FOR j IN 1 .. coalesce(array_length(a_num, 1), 0) LOOP
        IF a_kind[j] IN ('cash_box', 'vault') THEN
            v_net := 0;
            FOR i IN 1 .. n LOOP
                IF p_accounts[i] = a_num[j] THEN
                    v_net := v_net + CASE WHEN p_directions[i] = 'D' THEN p_amounts[i]
                                          ELSE -p_amounts[i] END;
                END IF;
            END LOOP;
            v_counted := NULL;
            FOR k IN 1 .. coalesce(array_length(p_cash_accounts, 1), 0) LOOP
                IF p_cash_accounts[k] = a_num[j] THEN
                    v_counted := coalesce(v_counted, 0) + p_cash_values[k] * p_cash_pieces[k]
                        * CASE WHEN p_cash_dirs[k] = 'in' THEN 1 ELSE -1 END;
                END IF;
            END LOOP;
            IF a_kind[j] = 'vault' AND v_poster_role IS NULL THEN
                SELECT u.role INTO v_poster_role FROM users u WHERE u.code = p_teller;
            END IF;
            IF v_counted IS DISTINCT FROM v_net
               OR a_kind[j] = 'cash_box' AND NOT a_box_ok[j]
               OR a_kind[j] = 'vault' AND NOT (a_box_vault[j] AND coalesce(v_poster_role, '')
                                               IN ('supervisor', 'administrator')) THEN
                v_python := true;
            END IF;
        END IF;
    END LOOP;
    FOR k IN 1 .. coalesce(array_length(p_cash_accounts, 1), 0) LOOP
        IF coalesce(a_kind[array_position(a_num, p_cash_accounts[k])], '')
           NOT IN ('cash_box', 'vault') THEN
            v_python := true;
        END IF;
    END LOOP;
    IF v_python THEN
        RAISE EXCEPTION USING ERRCODE = 'TLR02', MESSAGE = 'python_path';
    END IF;

    -- 5. number, chain, write: the canonical form of posting.entry_hash
    -- (json.dumps sort_keys, ensure_ascii=False, separators (",", ":"))
    v_seq := CASE WHEN v_hdate = v_bdate THEN v_hseq + 1 ELSE 1 END;
    v_hash := encode(sha256(convert_to(
        '{"at":' || to_json(to_char(p_created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US'))::text
        || ',"branch":' || to_json(p_branch)::text
        || ',"date":' || to_json(to_char(v_bdate, 'YYYY-MM-DD'))::text
        || ',"digest":' || to_json(p_digest)::text
        || ',"key":' || to_json(p_key)::text
        || ',"legs":[' || v_legs || ']'
        || ',"memo":' || to_json(p_memo)::text
        || ',"offline":' || CASE WHEN p_offline THEN 'true' ELSE 'false' END
        || ',"prev":' || to_json(v_prev)::text
        || ',"purpose":' || to_json(p_purpose)::text
        || ',"reverses":' || coalesce(p_reverses::text, 'null')
        || ',"reversible":' || CASE WHEN p_reversible THEN 'true' ELSE 'false' END
        || ',"seq":' || v_seq
        || ',"step":' || to_json(p_step)::text
        || ',"teller":' || to_json(p_teller)::text
        || ',"terminal":' || to_json(p_terminal)::text
        || ',"txn":' || to_json(p_txn)::text || '}', 'UTF8')), 'hex');
    INSERT INTO journal_entries (idempotency_key, request_digest, journal_sequence, branch_code,
        teller_code, terminal_code, business_date, created_at, txn_code, step, purpose, memo,
        reversible, offline, reverses_entry_id, prev_hash, entry_hash)
    VALUES (p_key, p_digest, v_seq, p_branch, p_teller, p_terminal, v_bdate, p_created_at,
        p_txn, p_step, p_purpose, p_memo, p_reversible, p_offline, p_reverses, v_prev, v_hash)
    RETURNING id INTO v_id;
    INSERT INTO postings (entry_id, leg, account_number, subject_code, direction, amount,
                          balance_after, memo)
    SELECT v_id, x.leg, x.account, x.subject, x.direction, x.amount, x.after, x.memo
      FROM unnest(p_accounts, v_subjects, p_directions, p_amounts, v_after, p_leg_memos)
           WITH ORDINALITY AS x(account, subject, direction, amount, after, memo, leg);
    IF coalesce(array_length(p_cash_accounts, 1), 0) > 0 THEN
        -- One statement moves the notes: the holdings (the box's account row,
        -- locked above, serializes every change of them) and the movements in
        -- the order record_counts writes them. A holding that would go below
        -- zero is not updated and a denomination not in use is not counted, so
        -- either leaves a difference below and the call is handed over.
        WITH x AS (
                SELECT u.acct, u.val, u.dir, u.pcs, u.o
                  FROM unnest(p_cash_accounts, p_cash_values, p_cash_dirs, p_cash_pieces)
                       WITH ORDINALITY AS u(acct, val, dir, pcs, o)
                  JOIN cash_denominations dn ON dn.value_fen = u.val AND dn.active),
             c AS (
                SELECT x.acct, x.val, sum(CASE WHEN x.dir = 'in' THEN x.pcs ELSE -x.pcs END) AS d
                  FROM x GROUP BY x.acct, x.val),
             up AS (
                UPDATE cash_holdings h SET pieces = h.pieces + c.d
                  FROM c
                 WHERE h.account_number = c.acct AND h.value_fen = c.val AND c.d <> 0
                   AND h.pieces + c.d >= 0
                RETURNING 1),
             ins AS (
                INSERT INTO cash_holdings (account_number, value_fen, pieces)
                SELECT c.acct, c.val, c.d FROM c
                 WHERE c.d > 0 AND NOT EXISTS (
                        SELECT 1 FROM cash_holdings h
                         WHERE h.account_number = c.acct AND h.value_fen = c.val)
                RETURNING 1),
             mv AS (
                INSERT INTO cash_movements (entry_id, account_number, value_fen, direction,
                                            pieces)
                SELECT v_id, x.acct, x.val, x.dir, x.pcs FROM x ORDER BY x.o
                RETURNING 1)
        SELECT (SELECT count(*) FROM c WHERE c.d <> 0) - (SELECT count(*) FROM up)
                   - (SELECT count(*) FROM ins),
               (SELECT count(*) FROM mv)
          INTO v_short, v_known;
        IF v_short <> 0 OR v_known <> array_length(p_cash_accounts, 1) THEN
            RAISE EXCEPTION USING ERRCODE = 'TLR02', MESSAGE = 'python_path';
        END IF;
    END IF;
    FOR j IN 1 .. coalesce(array_length(a_num, 1), 0) LOOP
        IF a_balance[j] <> a_start[j] THEN
            UPDATE accounts SET balance = a_balance[j] WHERE number = a_num[j];
        END IF;
    END LOOP;
    UPDATE teller_journal_heads
       SET business_date = v_bdate, last_sequence = v_seq, last_entry_id = v_id, last_hash = v_hash
     WHERE teller_code = p_teller;
    IF p_supervisor IS NOT NULL THEN
        INSERT INTO authorizations (entry_id, supervisor_code, teller_code, level, reasons,
                                    outcome, remark, txn_code, created_at)
        VALUES (v_id, p_supervisor, p_teller, p_grant_level, p_reasons, 'granted', p_remark,
                p_txn, p_created_at);
    END IF;
    RETURN QUERY SELECT v_id, v_bdate, v_seq, p_created_at, p_teller, p_txn, p_step, p_reverses,
                        false, p_accounts, p_directions, p_amounts, v_after;
END $fn$
"""

SIGNATURE = ("teller_post(text, text, text, text, text, text, text, text, text, boolean, "
             "boolean, bigint, timestamp, text[], text[], bigint[], text[], text, text, text, "
             "text, text, text[], text[], text[], bigint[], text[], bigint[])")
# The signature revision 0010_pg_posting created (before the Python-only routing).
OLD_SIGNATURE = ("teller_post(text, text, text, text, text, text, text, text, text, boolean, "
                 "boolean, bigint, timestamp, text[], text[], bigint[], text[], text, text, "
                 "text, text, text)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {OLD_SIGNATURE}")
    # Driver SQL: the bodies hold ':MI'-like text that text() would take for binds.
    for sql in (RULES_SQL, *HELPERS_SQL, POST_SQL):
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    op.execute("DROP FUNCTION IF EXISTS teller_yuan(bigint, boolean)")
    op.execute("DROP FUNCTION IF EXISTS teller_refuse(text, text, text, text)")
    op.execute("DROP FUNCTION IF EXISTS teller_posting_rules()")
