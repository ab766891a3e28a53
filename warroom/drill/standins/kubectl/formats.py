"""``-o``/``--output``: the machine-readable printers (json, yaml, name, jsonpath, custom-columns).

Scripts in runbooks parse these outputs, so they must match kubectl byte for byte where it matters;
the human tables stay with each verb.
"""

from __future__ import annotations

import json
from typing import Any

from warroom.drill.standins.base import Context, table
from warroom.drill.standins.kubectl.flags import Args, Fail
from warroom.drill.standins.kubeobj import JsonPathError, as_list, jsonpath


def output(ctx: Context, args: Args, objs: list[dict[str, Any]], single: bool,
           names: list[str]) -> bool:
    """Handle -o json|yaml|name|jsonpath=...; False when the default table should be printed."""
    fmt = args.get("output")
    if not fmt or fmt == "wide":
        return False
    data: Any = objs[0] if single and objs else as_list(objs)
    if fmt == "json":
        ctx.out(json.dumps(data, indent=4))
    elif fmt == "yaml":
        import yaml

        ctx.stdout.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
    elif fmt == "name":
        for n in names:
            ctx.out(n)
    elif fmt.startswith("jsonpath=") or fmt.startswith("jsonpath-as-json="):
        tpl = fmt.split("=", 1)[1]
        try:
            ctx.stdout.write(jsonpath(tpl, data))
        except JsonPathError as exc:
            raise Fail(f'error: error executing jsonpath "{tpl}": Error executing template: {exc}. '
                       "Printing more information for debugging the template:\n"
                       f"\ttemplate was:\n\t\t{tpl}") from None
    elif fmt.startswith("custom-columns="):
        spec = fmt.split("=", 1)[1]
        cols = [c.split(":", 1) for c in spec.split(",")]
        rows = []
        for o in objs:
            row = []
            for _, path in cols:
                try:
                    row.append(jsonpath("{" + path + "}", o) or "<none>")
                except JsonPathError:
                    row.append("<none>")
            rows.append(row)
        ctx.out(table([c[0] for c in cols], rows))
    else:
        raise Fail(f"error: unable to match a printer suitable for the output format \"{fmt}\", allowed formats "
                   "are: custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,"
                   "jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml")
    return True
