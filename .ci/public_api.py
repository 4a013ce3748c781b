#!/usr/bin/env python3
"""What aurpay-api exposes, read from rustdoc's JSON output.

    python3 .ci/public_api.py count  target/doc/aurpay_api.json
    python3 .ci/public_api.py check  target/doc/aurpay_api.json ARCHITECTURE.md

`count` prints the public items (reachable by a path from the crate root:
modules, types, traits, functions and methods, constants, type aliases,
macros), split into generated and hand-written code, and those at the
crate root.

`check` walks every signature, field, bound and trait impl of those items
and lists each type or trait of another crate that appears there. A crate
may appear only if ARCHITECTURE.md's table "Third-party types in the public
API" names it (with its reason); anything else fails the check, naming the
item it appears in. The standard library is always allowed.

The JSON comes from `RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS='-Z unstable-options
--output-format json' cargo doc --no-deps -p aurpay-api --all-features`.
"""

import json
import re
import sys
from collections import defaultdict

STD = {"std", "core", "alloc"}


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


class Crate:
    def __init__(self, doc):
        self.doc = doc
        self.index = doc["index"]
        self.paths = doc["paths"]
        self.external = {int(k): v["name"] for k, v in doc["external_crates"].items()}

    def item(self, item_id):
        return self.index.get(str(item_id))

    def crate_of(self, item_id):
        entry = self.paths.get(str(item_id))
        if entry is not None:
            crate_id = entry["crate_id"]
        else:
            item = self.item(item_id)
            if item is None:
                return None
            crate_id = item["crate_id"]
        if crate_id == 0:
            return None
        return self.external.get(crate_id, f"crate#{crate_id}")

    def path_of(self, item_id):
        entry = self.paths.get(str(item_id))
        return "::".join(entry["path"]) if entry else f"#{item_id}"


def reachable(crate):
    """Public items reachable from the root, with the path they are reached by."""
    found = {}
    root = crate.doc["root"]

    def visit(item_id, path, alias=None):
        item = crate.item(item_id)
        if item is None or item["crate_id"] != 0:
            return
        key = str(item_id)
        if key in found:
            return
        inner = item["inner"]
        kind = next(iter(inner))
        if kind == "use":
            target = inner["use"].get("id")
            if target is None:
                return
            target_item = crate.item(target)
            name = inner["use"]["name"]
            if target_item is not None and target_item["crate_id"] == 0:
                if inner["use"].get("is_glob"):
                    module = target_item["inner"].get("module")
                    for child in (module or {}).get("items", []):
                        visit(child, path)
                else:
                    visit(target, path, alias=name)
            else:
                found[f"use:{key}"] = (path + [name], "reexport", item)
            return
        if item["visibility"] != "public" and item_id != root:
            return
        name = alias or item.get("name")
        here = path + ([name] if name and item_id != root else [])
        found[key] = (here, kind, item)
        if kind == "module":
            for child in inner["module"]["items"]:
                visit(child, here)
        elif kind in ("struct", "enum", "union"):
            body = inner[kind]
            for impl_id in body.get("impls", []):
                visit_impl(impl_id, here)
            if kind == "enum":
                for variant in body["variants"]:
                    visit_member(variant, here)
            if kind == "struct":
                shape = body["kind"]
                fields = []
                if isinstance(shape, dict) and "plain" in shape:
                    fields = shape["plain"]["fields"]
                elif isinstance(shape, dict) and "tuple" in shape:
                    fields = [f for f in shape["tuple"] if f is not None]
                for field in fields:
                    visit_member(field, here)
        elif kind == "trait":
            for member in inner["trait"]["items"]:
                visit_member(member, here)

    def visit_member(item_id, path):
        item = crate.item(item_id)
        if item is None:
            return
        kind = next(iter(item["inner"]))
        if kind == "struct_field" and item["visibility"] != "public":
            return
        name = item.get("name") or "?"
        found.setdefault(str(item_id), (path + [name], kind, item))
        if kind == "variant":
            shape = item["inner"]["variant"]["kind"]
            fields = []
            if isinstance(shape, dict) and "struct" in shape:
                fields = shape["struct"]["fields"]
            elif isinstance(shape, dict) and "tuple" in shape:
                fields = [f for f in shape["tuple"] if f is not None]
            for field in fields:
                visit_member(field, path + [name])

    def visit_impl(impl_id, path):
        item = crate.item(impl_id)
        if item is None:
            return
        body = item["inner"]["impl"]
        if body.get("is_synthetic") or body.get("blanket_impl") is not None:
            return
        found.setdefault(f"impl:{impl_id}", (path, "impl", item))
        is_trait_impl = body.get("trait") is not None
        for member in body["items"]:
            member_item = crate.item(member)
            if member_item is None:
                continue
            # Methods of an inherent impl must be `pub`; those of a trait
            # impl are as public as the trait.
            if body.get("trait") is None and member_item["visibility"] != "public":
                continue
            name = member_item.get("name") or "?"
            kind = "trait_impl_member" if is_trait_impl else "impl_member"
            found.setdefault(str(member), (path + [name], kind, member_item))

    visit(root, [crate.doc["index"][str(root)]["name"]])
    return found


COUNTED = {"module", "struct", "enum", "trait", "function", "constant", "static",
           "type_alias", "macro", "union", "trait_alias"}


def is_generated(item):
    span = item.get("span") or {}
    return "generated" in (span.get("filename") or "")


def count(crate):
    items = reachable(crate)
    total = generated = root_level = 0
    methods = 0
    for key, (path, kind, item) in items.items():
        if kind == "impl_member" or (kind == "function" and len(path) > 2
                                     and crate.item(key) is not None and False):
            if "function" not in item["inner"]:
                continue
            methods += 1
        elif kind not in COUNTED:
            continue
        if kind == "module" and len(path) == 1:
            continue  # the crate itself
        total += 1
        if is_generated(item):
            generated += 1
        if len(path) == 2 and kind != "impl_member":
            root_level += 1
    return {
        "public items": total,
        "generated": generated,
        "hand-written": total - generated,
        "at the crate root": root_level,
        "of which methods": methods,
    }


def foreign_in_type(crate, ty, out):
    """Adds (crate, path) of every foreign type or trait named in `ty`."""
    if ty is None or not isinstance(ty, dict):
        return
    for kind, value in ty.items():
        if kind == "resolved_path":
            name_crate = crate.crate_of(value["id"])
            if name_crate is not None:
                out.add((name_crate, crate.path_of(value["id"])))
            foreign_in_args(crate, value.get("args"), out)
        elif kind == "borrowed_ref" or kind == "raw_pointer":
            foreign_in_type(crate, value["type"], out)
        elif kind == "slice":
            foreign_in_type(crate, value, out)
        elif kind == "array":
            foreign_in_type(crate, value["type"], out)
        elif kind == "tuple":
            for t in value:
                foreign_in_type(crate, t, out)
        elif kind == "impl_trait":
            for bound in value:
                foreign_in_bound(crate, bound, out)
        elif kind == "dyn_trait":
            for poly in value["traits"]:
                foreign_in_path(crate, poly["trait"], out)
        elif kind == "qualified_path":
            foreign_in_type(crate, value["self_type"], out)
            if value.get("trait"):
                foreign_in_path(crate, value["trait"], out)
            foreign_in_args(crate, value.get("args"), out)
        elif kind == "function_pointer":
            sig = value["sig"]
            for _, t in sig["inputs"]:
                foreign_in_type(crate, t, out)
            foreign_in_type(crate, sig.get("output"), out)


def foreign_in_path(crate, path, out):
    name_crate = crate.crate_of(path["id"])
    if name_crate is not None:
        out.add((name_crate, crate.path_of(path["id"])))
    foreign_in_args(crate, path.get("args"), out)


def foreign_in_args(crate, args, out):
    if not args:
        return
    if "angle_bracketed" in args:
        for arg in args["angle_bracketed"]["args"]:
            if "type" in arg:
                foreign_in_type(crate, arg["type"], out)
        for constraint in args["angle_bracketed"].get("constraints", []):
            binding = constraint.get("binding", {})
            if "equality" in binding and "type" in binding["equality"]:
                foreign_in_type(crate, binding["equality"]["type"], out)
            for bound in binding.get("constraint", []) or []:
                foreign_in_bound(crate, bound, out)
    elif "parenthesized" in args:
        for t in args["parenthesized"]["inputs"]:
            foreign_in_type(crate, t, out)
        foreign_in_type(crate, args["parenthesized"].get("output"), out)


def foreign_in_bound(crate, bound, out):
    if "trait_bound" in bound:
        foreign_in_path(crate, bound["trait_bound"]["trait"], out)


def foreign_in_generics(crate, generics, out):
    if not generics:
        return
    for param in generics.get("params", []):
        kind = param.get("kind", {})
        if "type" in kind:
            for bound in kind["type"].get("bounds", []):
                foreign_in_bound(crate, bound, out)
            foreign_in_type(crate, kind["type"].get("default"), out)
    for predicate in generics.get("where_predicates", []):
        if "bound_predicate" in predicate:
            foreign_in_type(crate, predicate["bound_predicate"]["type"], out)
            for bound in predicate["bound_predicate"]["bounds"]:
                foreign_in_bound(crate, bound, out)


def foreign_in_item(crate, kind, item):
    out = set()
    inner = item["inner"]
    body = inner.get(next(iter(inner)))
    if "function" in inner:
        sig = inner["function"]["sig"]
        for _, t in sig["inputs"]:
            foreign_in_type(crate, t, out)
        foreign_in_type(crate, sig.get("output"), out)
        foreign_in_generics(crate, inner["function"]["generics"], out)
    elif "struct_field" in inner:
        foreign_in_type(crate, inner["struct_field"], out)
    elif "impl" in inner:
        impl = inner["impl"]
        if impl.get("trait"):
            foreign_in_path(crate, impl["trait"], out)
        foreign_in_generics(crate, impl["generics"], out)
    elif "trait" in inner:
        for bound in inner["trait"]["bounds"]:
            foreign_in_bound(crate, bound, out)
        foreign_in_generics(crate, inner["trait"]["generics"], out)
    elif "assoc_type" in inner:
        for bound in inner["assoc_type"].get("bounds", []):
            foreign_in_bound(crate, bound, out)
        foreign_in_type(crate, inner["assoc_type"].get("type"), out)
    elif "assoc_const" in inner:
        foreign_in_type(crate, inner["assoc_const"].get("type"), out)
    elif "constant" in inner:
        foreign_in_type(crate, inner["constant"].get("type"), out)
    elif "static" in inner:
        foreign_in_type(crate, inner["static"].get("type"), out)
    elif "type_alias" in inner:
        foreign_in_type(crate, inner["type_alias"]["type"], out)
        foreign_in_generics(crate, inner["type_alias"]["generics"], out)
    elif "struct" in inner or "enum" in inner:
        foreign_in_generics(crate, body.get("generics"), out)
    return out


def allowed_crates(architecture):
    """The crates ARCHITECTURE.md's exceptions table names (`crate` in the
    first column of each row under the heading)."""
    text = open(architecture, encoding="utf-8").read()
    section = re.search(r"^#+ Third-party types in the public API\n(.*?)(?=^#+ |\Z)", text,
                        re.S | re.M)
    if not section:
        sys.exit(f"{architecture}: no section 'Third-party types in the public API'")
    allowed = set()
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`") and cells[1]:
            for name in re.findall(r"`([a-z0-9_]+)`", cells[0]):
                allowed.add(name)
    return allowed


def check(crate, allowed):
    items = reachable(crate)
    where = defaultdict(set)
    for key, (path, kind, item) in items.items():
        for name_crate, type_path in foreign_in_item(crate, kind, item):
            if name_crate in STD:
                continue
            where[(name_crate, type_path)].add("::".join(path))
    bad = {k: v for k, v in where.items() if k[0] not in allowed}
    return where, bad


def main():
    if len(sys.argv) < 3 or sys.argv[1] not in ("count", "check", "list"):
        sys.exit(__doc__)
    crate = Crate(load(sys.argv[2]))
    if sys.argv[1] == "count":
        for name, value in count(crate).items():
            print(f"{name}: {value}")
        return
    if sys.argv[1] == "list":
        for key, (path, kind, item) in sorted(reachable(crate).items(), key=lambda kv: kv[1][0]):
            if kind in COUNTED or kind == "impl_member":
                print(kind, "::".join(path))
        return
    allowed = allowed_crates(sys.argv[3])
    where, bad = check(crate, allowed)
    used = sorted({c for c, _ in where})
    print(f"third-party crates in the public API: {', '.join(used) or 'none'}")
    print(f"allowed by ARCHITECTURE.md: {', '.join(sorted(allowed))}")
    unused = sorted(allowed - set(used))
    if unused:
        print(f"note: allowed but not used (remove from the table?): {', '.join(unused)}")
    if bad:
        print("\nnot allowed:")
        for (name_crate, type_path), paths in sorted(bad.items()):
            shown = sorted(paths)
            more = f" (+{len(shown) - 5} more)" if len(shown) > 5 else ""
            print(f"  {type_path} ({name_crate}) in {', '.join(shown[:5])}{more}")
        sys.exit(1)
    print("ok: no third-party type outside the documented exceptions")


if __name__ == "__main__":
    main()
