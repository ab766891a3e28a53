"""Rules for SQL clients (psql, mysql): the SQL they carry decides.

A session is read-only only when every statement it sends is a single plain ``SELECT``,
``WITH … SELECT``, ``VALUES``, ``TABLE``, ``SHOW`` or ``EXPLAIN`` of one of those, every function
it calls is on a list of functions known not to write (``pg_terminate_backend``, ``nextval``,
``set_config``, ``dblink``, ``lo_export``… are not), it takes no row locks (``FOR UPDATE``),
creates nothing (``SELECT INTO``), and every client meta-command is a display one (``\\d``, ``\\x``
— never ``\\gexec``, ``\\!``, ``\\o``, ``\\copy``, ``\\i``, ``\\set``). SQL read from a file or from
a pipe cannot be checked.
"""

from __future__ import annotations

import re

from warroom.execute.argspec import parse_opts, table
from warroom.execute.rulebook import Call, rule
from warroom.execute.shparse import Unprovable

_READ_FUNCS = frozenset("""
count sum avg min max coalesce nullif greatest least left right substring substr lower upper
length char_length octet_length round floor ceil ceiling abs trunc sign sqrt power pow ln log
exp mod div random date_trunc date_part extract to_char to_timestamp to_date to_number age
now clock_timestamp statement_timestamp transaction_timestamp timeofday make_interval
justify_interval justify_hours justify_days pg_size_pretty pg_size_bytes pg_database_size
pg_relation_size pg_total_relation_size pg_table_size pg_indexes_size pg_column_size
current_setting version pg_is_in_recovery pg_last_wal_receive_lsn pg_last_wal_replay_lsn
pg_current_wal_lsn pg_current_wal_insert_lsn pg_current_wal_flush_lsn pg_wal_lsn_diff
pg_last_xact_replay_timestamp pg_postmaster_start_time pg_conf_load_time pg_blocking_pids
pg_backend_pid pg_safe_snapshot_blocking_pids current_database current_schema current_schemas
current_user session_user pg_get_userbyid pg_get_indexdef pg_get_viewdef pg_get_constraintdef
pg_get_expr pg_get_triggerdef pg_get_functiondef pg_get_function_arguments
pg_get_function_result pg_get_serial_sequence pg_get_keywords obj_description col_description
shobj_description has_table_privilege has_schema_privilege has_database_privilege
has_column_privilege has_function_privilege pg_has_role pg_table_is_visible format_type
pg_typeof pg_encoding_to_char pg_xact_commit_timestamp pg_stat_get_activity
pg_stat_get_backend_pid pg_stat_get_numscans pg_stat_get_live_tuples pg_stat_get_dead_tuples
pg_stat_statements pg_replication_slots pg_stat_get_wal_senders generate_series unnest
array_length array_upper array_lower cardinality array_agg string_agg json_agg jsonb_agg
json_object_agg jsonb_object_agg json_build_object jsonb_build_object json_build_array
jsonb_build_array to_json to_jsonb row_to_json array_to_json json_each jsonb_each
json_each_text jsonb_each_text json_array_elements jsonb_array_elements
json_array_elements_text jsonb_array_elements_text jsonb_pretty json_extract_path
jsonb_extract_path json_extract_path_text jsonb_extract_path_text jsonb_typeof json_typeof
jsonb_array_length json_array_length jsonb_object_keys json_object_keys row_number rank
dense_rank percent_rank cume_dist ntile lag lead first_value last_value nth_value
percentile_cont percentile_disc mode stddev stddev_pop stddev_samp variance var_pop var_samp
corr covar_pop covar_samp bool_and bool_or every bit_and bit_or concat concat_ws trim btrim
ltrim rtrim lpad rpad replace split_part position strpos regexp_replace regexp_match
regexp_matches regexp_split_to_array regexp_split_to_table regexp_count regexp_like
regexp_substr format initcap reverse repeat translate md5 sha256 encode decode quote_ident
quote_literal quote_nullable string_to_array array_to_string array_position array_positions
array_remove array_replace array_append array_prepend array_cat array_dims array_ndims
to_hex chr ascii starts_with inet_client_addr inet_server_addr host family masklen netmask
date time timestamp timestamptz interval numeric decimal int int2 int4 int8 integer bigint
smallint float float4 float8 real text varchar char bool boolean uuid json jsonb inet cidr
bytea cast convert_from convert_to isfinite pg_wal_lsn_diff width_bucket scale
txid_current_snapshot txid_snapshot_xmin pg_current_snapshot pg_snapshot_xmin age
mxid_age pg_xact_status datediff date_add date_sub date_format unix_timestamp
from_unixtime str_to_date timestampdiff ifnull if isnull curdate curtime sysdate
utc_timestamp database schema user current_role group_concat json_extract json_unquote
json_length json_keys json_contains json_object json_array char_length instr locate
lcase ucase mid hex unhex conv inet_ntoa inet_aton any_value found_rows row_count
""".split())

# Words that may precede "(" without being a function call.
_PAREN_WORDS = frozenset("""
select with as from where and or not in exists any all some values over filter using on join
partition by group order having case when then else end lateral array row within distinct
between like ilike similar is null returning union intersect except limit offset fetch
is cube rollup grouping sets window range rows groups preceding following current unbounded
escape collate asc desc nulls first last only inner left right full outer cross natural
""".split())
# Statement starts allowed.
_START = {"select", "with", "values", "table", "show", "explain", "describe", "desc"}
# Keywords that change data, schema, locks or session state wherever they appear.
_WRITE_WORDS = frozenset("""
insert update delete merge into truncate copy lock
""".split())


def _tokens(sql: str, dialect: str) -> list[tuple[str, str]]:
    """(kind, text) tokens; comments dropped; strings and quoted identifiers kept whole."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
            continue
        if (sql.startswith("--", i) and (dialect != "mysql" or i + 2 >= n or sql[i + 2] in
                                         " \t\n\r\f\v")) or (dialect == "mysql" and c == "#"):
            # (MySQL needs a blank after "--": "1 --1" is 1 - -1, not a comment)
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if sql.startswith("/*", i):
            if dialect == "mysql" and sql.startswith("/*!", i):
                raise Unprovable("a MySQL executable comment /*! ... */")
            depth, j = 0, i
            while j < n:
                if sql.startswith("/*", j):
                    depth += 1
                    j += 2
                elif sql.startswith("*/", j):
                    depth -= 1
                    j += 2
                    if depth == 0:
                        break
                else:
                    j += 1
            if depth:
                raise Unprovable("an unterminated SQL comment")
            i = j
            continue
        if c == "'" or (c in "eE" and sql.startswith("'", i + 1)) or (
                dialect == "mysql" and c == '"'):
            q = "'" if c != '"' else '"'
            esc = dialect == "mysql" or c in "eE"
            j = i + (2 if c in "eE" else 1)
            while j < n:
                if esc and sql[j] == "\\":
                    j += 2
                    continue
                if sql[j] == q:
                    if sql.startswith(q * 2, j):
                        j += 2
                        continue
                    break
                j += 1
            if j >= n:
                raise Unprovable("an unterminated SQL string")
            out.append(("str", sql[i:j + 1]))
            i = j + 1
            continue
        if c == '"' or (dialect == "mysql" and c == "`"):
            j = sql.find(c, i + 1)
            if j < 0:
                raise Unprovable("an unterminated quoted identifier")
            out.append(("qident", sql[i + 1:j].lower()))
            i = j + 1
            continue
        if c == "$" and dialect == "pg":
            m = re.match(r"\$([A-Za-z_]\w*)?\$", sql[i:])
            if m:
                tag = m.group(0)
                j = sql.find(tag, i + len(tag))
                if j < 0:
                    raise Unprovable("an unterminated dollar-quoted string")
                out.append(("str", sql[i:j + len(tag)]))
                i = j + len(tag)
                continue
            if re.match(r"\$[0-9]", sql[i:]):
                raise Unprovable("a query parameter ($1) the check cannot see")
        if c == "\\":
            if dialect == "mysql":
                m = re.match(r"\\[Gg]", sql[i:])
                if not m:
                    raise Unprovable(f"the mysql client command {sql[i:i + 2]} is not accepted")
                out.append(("op", ";"))
                i += 2
                continue
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(("meta", sql[i:j]))
            i = j
            continue
        if c == ":" and dialect == "pg" and not sql.startswith("::", i) and (
                i == 0 or sql[i - 1] != ":"):
            if re.match(r":['\"]?[A-Za-z_{]", sql[i:]):
                if re.match(r":'[A-Za-z_]\w*'|:\"[A-Za-z_]\w*\"", sql[i:]):
                    m = re.match(r":['\"][A-Za-z_]\w*['\"]", sql[i:])
                    assert m
                    out.append(("str", m.group(0)))
                    i += m.end()
                    continue
                raise Unprovable("a psql variable interpolated unquoted (:name) can hold SQL")
        m = re.match(r"[A-Za-z_][A-Za-z0-9_$]*", sql[i:])
        if m:
            out.append(("word", m.group(0).lower()))
            i += m.end()
            continue
        m = re.match(r"[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?|\.[0-9]+", sql[i:])
        if m:
            out.append(("num", m.group(0)))
            i += m.end()
            continue
        out.append(("op", c))
        i += 1
    return out


def check_sql(sql: str, dialect: str = "pg") -> None:
    """Raise :class:`Unprovable` unless every statement in ``sql`` only reads."""
    toks = _tokens(sql, dialect)
    stmts: list[list[tuple[str, str]]] = [[]]
    for t in toks:
        if t == ("op", ";"):
            stmts.append([])
        elif t[0] == "meta":
            _check_meta(t[1])
            stmts.append([])
        else:
            stmts[-1].append(t)
    stmts = [s for s in stmts if s]
    if not stmts and not any(t[0] == "meta" for t in toks):
        raise Unprovable("no SQL statement")
    for st in stmts:
        _check_statement(st, dialect)


def _check_statement(st: list[tuple[str, str]], dialect: str) -> None:
    kind, first = st[0]
    if kind != "word" or first not in _START:
        raise Unprovable(f"{(first or st[0][1]).upper()} is not a SELECT")
    if first == "explain":
        rest = st[1:]
        while rest and rest[0][0] == "word" and rest[0][1] in ("analyze", "analyse", "verbose",
                                                                "format", "json", "text",
                                                                "costs", "buffers", "timing",
                                                                "summary", "settings", "wal"):
            rest = rest[1:]
        if rest and rest[0] == ("op", "("):
            k = next((j for j, t in enumerate(rest) if t == ("op", ")")), None)
            if k is None:
                raise Unprovable("an unterminated EXPLAIN option list")
            rest = rest[k + 1:]
        if not rest:
            raise Unprovable("EXPLAIN without a statement")
        _check_statement(rest, dialect)
        return
    if first in ("describe", "desc") and dialect != "mysql":
        raise Unprovable(f"{first.upper()} is not a SELECT")
    for k, (kind, word) in enumerate(st):
        if kind == "meta":
            raise Unprovable("a client meta-command inside an SQL statement")
        if kind != "word" and kind != "qident":
            continue
        if kind == "word" and word in _WRITE_WORDS:
            if word == "update" and k and st[k - 1] == ("word", "for"):
                raise Unprovable("the statement takes row locks (FOR UPDATE)")
            raise Unprovable(f"the statement uses {word.upper()}")
        if kind == "word" and word == "for" and k + 1 < len(st) and st[k + 1][1] in (
                "update", "share", "no", "key"):
            raise Unprovable("the statement takes row locks (FOR UPDATE/SHARE)")
        nxt = st[k + 1] if k + 1 < len(st) else None
        if nxt == ("op", "("):
            name = word
            if kind == "word" and name in _PAREN_WORDS:
                continue
            prev = st[k - 1] if k else None
            if prev == ("op", ".") and k >= 2 and st[k - 2][1] not in ("pg_catalog",):
                raise Unprovable(f"the statement calls {st[k - 2][1]}.{name}(), a function the "
                                 "check does not know")
            if name not in _READ_FUNCS:
                raise Unprovable(f"the statement calls {name}(), which is not on the list of "
                                 "functions known only to read")
        if kind == "word" and word in ("sleep", "benchmark", "pg_sleep") and nxt == ("op", "("):
            raise Unprovable(f"the statement calls {word}()")


_PSQL_META_OK = re.compile(r"\\(d[A-Za-z]*[+S]*|l\+?|list\+?|x|conninfo|timing|pset|echo|q|quit|"
                           r"c|connect|encoding|sf\+?|sv\+?|a|t|H|C|f|z|crosstabview|watch|"
                           r"errverbose|copyright|drds|dRp\+?|dRs\+?|\?|h|help)\Z")


def _check_meta(line: str) -> None:
    """A line of psql meta-commands (``\\x \\dt+ foo``); each must be a display one."""
    for part in re.split(r"(?=\\)", line):
        part = part.strip()
        if not part or part == "\\":
            continue
        name = part.split()[0]
        if not _PSQL_META_OK.match(name):
            raise Unprovable(f"the psql command {name} can run or write something")
        if name == "\\pset" and re.search(r"pager", part, re.I):
            raise Unprovable("\\pset pager can run a program")


def check_psql_text(text: str) -> None:
    """SQL mixed with psql meta-commands (a heredoc or a -c string)."""
    check_sql(text, "pg")


_PSQL_FLAGS = table("-c= --command= -d= --dbname= -h= --host= -p= --port= -U= --username= -w "
                    "--no-password -W --password -A --no-align -t --tuples-only -x --expanded "
                    "-q --quiet -X --no-psqlrc -P= --pset= -F= --field-separator= -R= "
                    "--record-separator= -v= --set= --variable= -0 --field-separator-zero -z "
                    "--record-separator-zero --csv -H --html -T= --table-attr= -b --echo-errors "
                    "-a --echo-all -e --echo-queries -E --echo-hidden -n --no-readline -S "
                    "--single-line -1 --single-transaction -l --list -V --version -? --help=?")
_PSQL_DANGER = {"-f": "runs an SQL file, which cannot be checked", "--file": "runs an SQL "
                "file, which cannot be checked", "-o": "writes query results to a file",
                "--output": "writes query results to a file", "-L": "writes a session log "
                "file", "--log-file": "writes a session log file", "-s": "asks before each "
                "statement", "--single-step": "asks before each statement"}
_PSQL_VARS = {"on_error_stop", "quiet", "verbosity", "fetch_count", "echo", "show_context",
              "autocommit", "ignoreeof", "histsize", "sqlstate"}


@rule("psql", "gitlab-psql")
def _psql(call: Call) -> str:
    o = parse_opts("psql", call.args, _PSQL_FLAGS, danger=_PSQL_DANGER)
    for v in o.values("-v", "--set", "--variable"):
        name = (v.value if v is not None and v.value is not None else "").split("=", 1)[0]
        if name.lower() not in _PSQL_VARS:
            raise Unprovable(f"psql -v {name or '(computed)'}: a variable the check does not "
                             "accept (prompts and interpolated variables can carry commands)")
    for v in o.values("-P", "--pset"):
        if v is None or v.value is None or v.value.split("=", 1)[0].strip().lower() == "pager":
            raise Unprovable("psql -P pager can run a program")
    if len(o.pos) > 2 or any(p.may_dash for p in o.pos):
        raise Unprovable("psql with arguments the check does not know")
    texts = [v for v in o.values("-c", "--command")]
    if o.has("-l", "--list", "-V", "--version", "-?", "--help") and not texts:
        return "psql only lists"
    sources: list[str] = []
    for v in texts:
        if v is None or not v.literal:
            raise Unprovable("psql -c with computed SQL, which cannot be checked")
        sources.append(v.value or "")
    if not texts:
        here = [r for r in call.cmd.redirects if r.op in ("<<", "<<-", "<<<", "<")]
        if not here:
            raise Unprovable("psql without -c reads SQL from its input or opens an interactive "
                             "session, which cannot be checked")
        for r in here:
            if r.op == "<":
                raise Unprovable(f"psql runs SQL from {r.target.show()}, which cannot be checked")
            if r.op == "<<<":
                if not r.target.literal:
                    raise Unprovable("psql runs computed SQL, which cannot be checked")
                sources.append(r.target.value or "")
        sources.extend(call.cmd.heredocs)
    for s in sources:
        try:
            check_psql_text(s)
        except Unprovable as exc:
            raise Unprovable(f"psql: {exc}") from None
    return "psql runs SELECT-only SQL"


_MYSQL_FLAGS = table("-e= --execute= -h= --host= -P= --port= -u= --user= -p=? --password=? "
                     "-D= --database= -B --batch -N --skip-column-names -s --silent -t --table "
                     "-v --verbose -E --vertical -r --raw --ssl-mode= -A --no-auto-rehash "
                     "--protocol= -S= --socket= --default-character-set= --connect-timeout= "
                     "--column-names -X --xml -H --html --skip-pager --no-defaults "
                     "--ssl-ca= --ssl-cert= --ssl-key= --binary-as-hex --safe-updates "
                     "-U --i-am-a-dummy --help -V --version")
_MYSQL_DANGER = {"--tee": "writes a log file", "--pager": "runs a pager program",
                 "--init-command": "runs SQL before the session", "--local-infile": "reads "
                 "local files into tables", "--defaults-file": "reads options from a file",
                 "--defaults-extra-file": "reads options from a file", "-f": "continues past "
                 "errors", "--plugin-dir": "loads plugins", "--default-auth": "loads plugins"}
_MYSQL_CLIENT = re.compile(r"^\s*(system|tee|notee|pager|nopager|source|edit|connect|prompt|"
                           r"charset|delimiter|rehash|warnings|nowarning|status|use|help|"
                           r"exit|quit|clear|print|go|ego|query_attributes|ssl_session_data_print|"
                           r"resetconnection)\b", re.I | re.M)


@rule("mysql", "mariadb")
def _mysql(call: Call) -> str:
    o = parse_opts("mysql", call.args, _MYSQL_FLAGS, danger=_MYSQL_DANGER)
    if len(o.pos) > 1 or any(p.may_dash for p in o.pos):
        raise Unprovable("mysql with arguments the check does not know")
    texts = o.values("-e", "--execute")
    if not texts:
        if o.has("--help", "-V", "--version"):
            return "mysql only prints"
        raise Unprovable("mysql without -e reads SQL from its input, which cannot be checked")
    for v in texts:
        if v is None or not v.literal:
            raise Unprovable("mysql -e with computed SQL, which cannot be checked")
        sql = v.value or ""
        for st in re.split(r";", sql):
            if _MYSQL_CLIENT.match(st):
                raise Unprovable(f"the mysql client command {st.split()[0]} is not accepted")
        try:
            check_sql(sql, "mysql")
        except Unprovable as exc:
            raise Unprovable(f"mysql: {exc}") from None
    return "mysql runs SELECT-only SQL"
