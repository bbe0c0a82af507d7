#!/usr/bin/env python3
"""Checks that the source tree's layers point one way: a file includes only files of its own
folder or of folders below it in LAYERS, and nothing above transport/ names a concrete
transport (transport/<name>/...). Exits 1 and lists every offending include.

usage: check_layers.py SOURCE_ROOT
"""
import os
import re
import sys

# Bottom to top: each folder may include only the folders before it (and itself).
LAYERS = ['include', 'base', 'memory', 'datatype', 'transport', 'pmi', 'p2p', 'coll', 'mpi',
          'api', 'launcher']
# Folders that may include anything (they sit on top of everything).
EXEMPT = {'tests', 'bench', 'examples', 'docs', 'scripts', 'subprojects'}
# Headers the build generates, and the layer they belong to.
GENERATED = {'mpi.h': 'include', 'weft_config.h': 'include', 'api/api_checks.h': 'api'}
SOURCE_SUFFIXES = ('.c', '.cc', '.cpp', '.h', '.hpp', '.cu', '.cuh')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def top_folder(root, path):
    parts = os.path.relpath(path, root).split(os.sep)
    return parts[0] if len(parts) > 1 else None


def resolve(root, folder, name):
    for base in (folder, root):
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.isfile(candidate) and candidate.startswith(root + os.sep):
            return candidate
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else '.')
    rank = {name: i for i, name in enumerate(LAYERS)}
    problems = []
    for folder, dirs, files in os.walk(root):
        if folder == root:
            dirs[:] = [d for d in dirs
                       if d not in EXEMPT and not d.startswith(('.', 'build'))]
        for file_name in sorted(files):
            if not file_name.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(folder, file_name)
            source = top_folder(root, path)
            if source is None:
                continue
            shown = os.path.relpath(path, root)
            if source not in rank:
                problems.append(f'{shown}: folder {source}/ is not a layer (add it to LAYERS '
                                f'in {os.path.relpath(__file__, root)})')
                continue
            with open(path, errors='replace') as f:
                text = f.read()
            for match in INCLUDE.finditer(text):
                name = match.group(1)
                target = resolve(root, folder, name)
                if target is None:
                    if name in GENERATED:
                        target_layer = GENERATED[name]
                    else:
                        problems.append(f'{shown}: includes "{name}", which is not in the tree')
                        continue
                else:
                    target_layer = top_folder(root, target)
                    if target_layer in EXEMPT or target_layer not in rank:
                        problems.append(f'{shown}: includes {os.path.relpath(target, root)}, '
                                        'outside the layers')
                        continue
                if rank[target_layer] > rank[source]:
                    problems.append(f'{shown}: includes "{name}" of {target_layer}/, which is '
                                    f'above {source}/')
                rel = os.path.relpath(target, root).split(os.sep) if target else []
                if (source != 'transport' and len(rel) > 2 and rel[0] == 'transport'):
                    problems.append(f'{shown}: includes "{name}": only transport/ may name a '
                                    'transport (ask transport/registry.h)')
    if problems:
        print('layer order: ' + ' < '.join(LAYERS))
        print('\n'.join(problems))
        return 1
    print(f'layers point one way: {" < ".join(LAYERS)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
