#!/usr/bin/env python3
"""Renders a kustomization directory the way `kustomize build` does, for the part of
kustomize that infra/k8s uses, and prints the objects as one JSON array.

There is no kustomize for the machines this project is tested on (no Debian package, no
Go new enough to build it), so the deployment test (tests/tests/deploy) renders with
this instead. It implements only:
  - `resources`: YAML files (several documents each) and directories holding a
    kustomization.yaml, rendered first, in order;
  - `namespace`: set on every namespaced object;
  - `patches` with a `target` (kind and name, optionally group, version, namespace) and
    a JSON6902 patch, inline (`patch`) or in a file (`path`), with the operations add,
    remove, replace and test.
Anything else in a kustomization.yaml is refused, so the overlays cannot drift into
features this renderer would get wrong. Run it with the venv of scripts/setup-kube-tools.sh
(it needs PyYAML):

    .jetcrawl/tools/venv/bin/python infra/k8s/render.py infra/k8s/overlays/prod
"""

import copy
import json
import os
import sys

import yaml

KNOWN_KEYS = {"apiVersion", "kind", "resources", "namespace", "patches"}
TARGET_KEYS = {"group", "version", "kind", "name", "namespace"}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "PriorityClass",
    "StorageClass",
}


class RenderError(Exception):
    pass


def render(directory):
    path = os.path.join(directory, "kustomization.yaml")
    try:
        with open(path, encoding="utf-8") as file:
            kustomization = yaml.safe_load(file) or {}
    except OSError as err:
        raise RenderError(f"cannot read {path}: {err}") from err
    unknown = set(kustomization) - KNOWN_KEYS
    if unknown:
        raise RenderError(
            f"{path}: {sorted(unknown)} not supported by this renderer "
            f"(it knows {sorted(KNOWN_KEYS)})"
        )
    objects = []
    for resource in kustomization.get("resources", []):
        full = os.path.normpath(os.path.join(directory, resource))
        if os.path.isdir(full):
            objects.extend(render(full))
        else:
            objects.extend(load_documents(full))
    check_unique(objects, path)
    for patch in kustomization.get("patches", []):
        apply_patch(objects, patch, directory, path)
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
    return objects


def load_documents(path):
    try:
        with open(path, encoding="utf-8") as file:
            return [doc for doc in yaml.safe_load_all(file) if doc is not None]
    except (OSError, yaml.YAMLError) as err:
        raise RenderError(f"cannot load {path}: {err}") from err


def check_unique(objects, path):
    seen = set()
    for obj in objects:
        key = identity(obj)
        if key in seen:
            raise RenderError(f"{path}: {key} is defined twice")
        seen.add(key)


def identity(obj):
    meta = obj.get("metadata", {})
    return (obj.get("apiVersion"), obj.get("kind"), meta.get("namespace"), meta.get("name"))


def apply_patch(objects, patch, directory, path):
    target = patch.get("target")
    if not target or "kind" not in target or "name" not in target:
        raise RenderError(f"{path}: every patch needs a target with kind and name")
    unknown = set(target) - TARGET_KEYS
    if unknown:
        raise RenderError(f"{path}: target keys {sorted(unknown)} not supported")
    if "path" in patch:
        with open(os.path.join(directory, patch["path"]), encoding="utf-8") as file:
            text = file.read()
    elif "patch" in patch:
        text = patch["patch"]
    else:
        raise RenderError(f"{path}: a patch needs `path` or `patch`")
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise RenderError(
            f"{path}: only JSON6902 patches (a list of operations) are supported, "
            f"not strategic merge patches (target {target})"
        )
    matched = [obj for obj in objects if matches(obj, target)]
    if not matched:
        raise RenderError(f"{path}: no object matches the patch target {target}")
    for obj in matched:
        for operation in operations:
            apply_operation(obj, operation, target)


def matches(obj, target):
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    meta = obj.get("metadata", {})
    return (
        obj.get("kind") == target["kind"]
        and meta.get("name") == target["name"]
        and target.get("group", group) == group
        and target.get("version", version) == version
        and target.get("namespace", meta.get("namespace")) == meta.get("namespace")
    )


def apply_operation(obj, operation, target):
    op = operation.get("op")
    tokens = pointer(operation.get("path", ""))
    if not tokens:
        raise RenderError(f"patch of {target}: replacing the whole object is not supported")
    parent = walk(obj, tokens[:-1], target)
    last = tokens[-1]
    if op == "test":
        if lookup(parent, last, target) != operation.get("value"):
            raise RenderError(f"patch of {target}: test failed at {operation['path']}")
    elif op == "remove":
        lookup(parent, last, target)
        del parent[index(parent, last, target)]
    elif op == "replace":
        lookup(parent, last, target)
        parent[index(parent, last, target)] = copy.deepcopy(operation["value"])
    elif op == "add":
        value = copy.deepcopy(operation["value"])
        if isinstance(parent, list):
            if last == "-":
                parent.append(value)
            else:
                at = index(parent, last, target)
                if at > len(parent):
                    raise RenderError(f"patch of {target}: {operation['path']} is out of range")
                parent.insert(at, value)
        else:
            parent[last] = value
    else:
        raise RenderError(f"patch of {target}: operation {op!r} not supported")


def pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise RenderError(f"JSON pointer {path!r} must start with /")
    return [token.replace("~1", "/").replace("~0", "~") for token in path[1:].split("/")]


def walk(node, tokens, target):
    for token in tokens:
        node = lookup(node, token, target)
    return node


def index(node, token, target):
    if isinstance(node, list):
        try:
            return int(token)
        except ValueError as err:
            raise RenderError(f"patch of {target}: {token!r} is not a list index") from err
    return token


def lookup(node, token, target):
    try:
        return node[index(node, token, target)]
    except (KeyError, IndexError, TypeError) as err:
        raise RenderError(f"patch of {target}: nothing at {token!r}") from err


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: render.py <directory with a kustomization.yaml>")
    try:
        objects = render(sys.argv[1])
    except RenderError as err:
        sys.exit(f"render.py: {err}")
    json.dump(objects, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
