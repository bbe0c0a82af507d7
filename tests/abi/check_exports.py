#!/usr/bin/env python3
"""mpi.h declares exactly what weft implements: every MPI_/PMPI_ function declared in the
header must be exported by libweft.so, and the library must export nothing else."""
import re
import subprocess
import sys

header, library = sys.argv[1], sys.argv[2]
text = open(header).read()
declared = set(re.findall(r"^(?!#)[A-Za-z_][A-Za-z0-9_ ]*?\b(P?MPI_[A-Za-z0-9_]+)\(", text, re.M))
declared = {name for name in declared if not name.startswith("MPI_T_")}
nm = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True,
                    check=True).stdout
exported = set()
for line in nm.splitlines():
    parts = line.split()
    if len(parts) == 3 and parts[1] in "TW":
        exported.add(parts[2])
missing = sorted(declared - exported)
extra = sorted(name for name in exported - declared)
for name in missing:
    print(f"declared in mpi.h but not exported: {name}")
for name in extra:
    print(f"exported but not declared in mpi.h: {name}")
pairs = sorted(n for n in declared if n.startswith("MPI_") and "P" + n not in declared)
for name in pairs:
    print(f"no PMPI_ twin declared for {name}")
print(f"{len(declared)} declared, {len(exported)} exported")
sys.exit(1 if missing or extra or pairs else 0)
