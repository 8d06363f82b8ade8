"""start_qmt runs on Windows beside QMT: everything it can import stays free of POSIX-only calls.

Checked statically, since CI has no Windows: every ``hikyuu_live`` module reachable from
``hikyuu_live.gui.start_qmt`` through any import statement (module level or inside functions, so lazy
imports count too) is parsed, and POSIX-only modules, ``os`` functions, signals and the ``fork`` start
method are refused unless the import sits in a ``try`` that handles ``ImportError``.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

POSIX_MODULES = {"fcntl", "pwd", "grp", "resource", "termios", "tty", "pty", "posix", "syslog", "crypt", "readline"}
POSIX_OS = {"fork", "forkpty", "getuid", "geteuid", "getgid", "getegid", "setsid", "killpg", "getpgid", "setpgid",
            "setpgrp", "chown", "lchown", "fchown", "mkfifo", "uname", "nice", "wait3", "wait4", "WNOHANG", "sync",
            "statvfs", "getloadavg", "sched_setaffinity", "pipe2", "posix_spawn"}
POSIX_SIGNAL = {"SIGHUP", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGCHLD", "SIGPIPE", "SIGQUIT", "SIGCONT",
                "SIGSTOP", "SIGWINCH", "alarm", "pause", "setitimer", "siginterrupt", "pthread_kill"}


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Inside ``try: ... except ImportError`` (or a base class of it)?"""
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.Try):
            for h in node.handlers:
                names = [h.type] if not isinstance(h.type, ast.Tuple) else list(h.type.elts)
                if h.type is None or any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError",
                                                                             "Exception") for n in names):
                    return True
    return False


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    out = set()
    base = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                pkg = ".".join(parts[: len(parts) - node.level + 1])
                target = f"{pkg}.{node.module}" if node.module else pkg
            else:
                target = node.module or ""
            out.add(target)
            out.update(f"{target}.{a.name}" for a in node.names)  # "from pkg import submodule"
    return out


def _problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            bad = [n for n in names if n.split(".")[0] in POSIX_MODULES]
            if bad and not _guarded(node, parents):
                found.append(f"{where} imports {bad}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id == "os" and node.attr in POSIX_OS) or (
                    node.value.id == "signal" and node.attr in POSIX_SIGNAL):
                found.append(f"{where} uses {node.value.id}.{node.attr}")
        elif isinstance(node, ast.Constant) and node.value == "fork":
            call = parents.get(node)
            if isinstance(call, ast.Call) and getattr(call.func, "attr", "") in ("get_context", "set_start_method"):
                found.append(f"{where} uses the fork start method")
    return found


def reachable(start: str) -> dict[str, Path]:
    seen: dict[str, Path] = {}
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or not name.startswith("hikyuu_live"):
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            continue  # "from pkg import name" where name is not a module
        path = Path(spec.origin)
        seen[name] = path
        parts = name.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # importing runs every parent __init__
        tree = ast.parse(path.read_text(encoding="utf-8"))
        todo.extend(_imports(tree, name, path.name == "__init__.py"))
    return seen


def test_start_qmt_and_everything_it_may_import_is_windows_safe():
    modules = reachable("hikyuu_live.gui.start_qmt")
    for needed in ("hikyuu_live.fetcher.qmt_push", "hikyuu_live.bus.publisher", "hikyuu_live.fetcher.universe",
                   "hikyuu_live.config", "hikyuu_live.gui.common"):
        assert needed in modules, needed
    problems = [p for path in modules.values() for p in _problems(path)]
    assert problems == []


def test_the_checker_finds_posix_only_code(tmp_path):
    f = tmp_path / "m.py"
    f.write_text("import os, signal\nimport fcntl\nos.setsid()\nsignal.signal(signal.SIGHUP, None)\n"
                 "try:\n    import pwd\nexcept ImportError:\n    pwd = None\n"
                 "import multiprocessing\nmultiprocessing.get_context('fork')\n", encoding="utf-8")
    assert [p.split(" ", 1)[1] for p in _problems(f)] == [
        "imports ['fcntl']", "uses os.setsid", "uses signal.SIGHUP", "uses the fork start method"]
