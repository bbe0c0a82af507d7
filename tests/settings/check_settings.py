#!/usr/bin/env python3
"""Every WEFT_* variable is declared once, with a sentence, and `weftrun --info` lists it.

Finds the variables the tree reads or sets -- Setting declarations, getenv("WEFT_...")
calls, the variables weftrun sets for its ranks and the ones the compiler wrappers read --
and fails when one is missing from `weftrun --info`, when the listing names a variable
twice, or when an entry has no sentence. Usage: check_settings.py SOURCE_ROOT WEFTRUN
"""
import pathlib
import re
import subprocess
import sys

# Library and launcher folders (tests, benchmarks and examples only set variables).
CODE_FOLDERS = ["base", "datatype", "memory", "transport", "pmi", "p2p", "coll", "mpi", "api",
                "launcher"]
NAME = r"(WEFT_[A-Z0-9_]+)"
PATTERNS = [
    re.compile(r"\bSetting\s+\w+\s*\{\s*\"" + NAME + "\""),         # config::Setting kX{"WEFT_X", ...
    re.compile(r"getenv\(\s*\"" + NAME + "\""),                     # std::getenv("WEFT_X")
    re.compile(r"emplace_back\(\s*\"" + NAME + "\""),               # weftrun sets it for ranks
    re.compile(r"\{\s*\"" + NAME + "\",\s*\"[^\"]*\",\s*\"[A-Z]"),  # launcher_settings.cc's table
]
# The wrappers read ${WEFT_CC} / ${WEFT_CXX}, named in launcher/meson.build.
WRAPPER_PATTERN = re.compile(r"\['weft\w+',\s*'" + NAME + "'")


def used_variables(root):
    found = {}
    for folder in CODE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.suffix not in (".cc", ".h") or "tests" in path.relative_to(root).parts:
                continue
            text = path.read_text(errors="replace")
            for pattern in PATTERNS:
                for match in pattern.finditer(text):
                    found.setdefault(match.group(1), str(path.relative_to(root)))
    meson = root / "launcher" / "meson.build"
    for match in WRAPPER_PATTERN.finditer(meson.read_text()):
        found.setdefault(match.group(1), "launcher/meson.build")
    return found


def listed_variables(info):
    """(name, default, sentence) of each entry under 'environment variables:'."""
    lines = info.splitlines()
    if "environment variables:" not in lines:
        return None
    entries = []
    body = lines[lines.index("environment variables:") + 1:]
    entry = re.compile(r"^  " + NAME + r" \(default: (.*)\)$")
    i = 0
    while i < len(body):
        match = entry.match(body[i])
        if not match:
            entries.append((None, None, body[i]))
            i += 1
            continue
        sentence = body[i + 1].strip() if i + 1 < len(body) and body[i + 1].startswith("      ") else ""
        entries.append((match.group(1), match.group(2), sentence))
        i += 2 if sentence else 1
    return entries


def main():
    root = pathlib.Path(sys.argv[1])
    weftrun = sys.argv[2]
    problems = []
    used = used_variables(root)
    if len(used) < 10:
        problems.append(f"found only {len(used)} variables in the sources: the patterns are stale")
    result = subprocess.run([weftrun, "--info"], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        problems.append(f"weftrun --info exited with {result.returncode}: {result.stderr}")
    entries = listed_variables(result.stdout) or []
    if not entries:
        problems.append("weftrun --info lists no environment variables")
    names = [name for name, _, _ in entries if name]
    for name, _, text in entries:
        if name is None:
            problems.append(f"weftrun --info: unexpected line {text!r}")
        elif not text or not text.endswith("."):
            problems.append(f"{name} has no sentence in weftrun --info ({text!r})")
    for name in sorted(set(n for n in names if names.count(n) > 1)):
        problems.append(f"{name} is listed twice by weftrun --info")
    for name, where in sorted(used.items()):
        if name not in names:
            problems.append(f"{name} (used in {where}) is missing from weftrun --info")
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print(f"ok: {len(used)} variables used in the sources, {len(names)} listed, all with a sentence")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
