"""Run one student's answer on the grader's inputs, in a fresh Python process (tools/grade.py
starts it; it is never imported).

The job arrives on stdin (a pickle written by the grader): the lesson's set-up code, the data the
exercise builds on (`context`, code from the hidden test), the source of
the student's answer cell, the name of the function to call, how to call it on one case (source of
a function `f(answer, *case)`, or none for `answer(*case)`), the cases, the dotted names of the
functions the exercise forbids, and whether to count the lines of Python the answer runs.

Before any of the student's code runs, every forbidden function is replaced, wherever it is bound
(in every loaded module, in classes, in the namespace the answer runs in), by a stand-in that
records the call and raises. The answer cell is then executed, so even a reference it keeps in a
default argument or a list is the stand-in. Nothing the student wrote elsewhere in the notebook
exists here. Calls that would switch off the line counter, or search the interpreter's memory for
the originals, are forbidden too.

The outcome is written to the file named by argv[1], as plain data only (numbers, strings, bytes,
lists, tuples and dicts; arrays as their bytes), so that the grader never unpickles an object the
student's code made.
"""

import contextlib
import importlib
import io
import pickle
import sys
import types

ANSWER_FILE = "<answer>"
ALWAYS_FORBIDDEN = ("sys.settrace", "sys.setprofile", "threading.settrace", "threading.setprofile",
                    "gc.get_objects", "gc.get_referrers", "gc.get_referents", "importlib.reload")


class ForbiddenCall(Exception):
    pass


def resolve(dotted):
    """The object a dotted name points to: a module, or an attribute of one (of a class in it)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(dotted)


def forbidden_objects(dotted):
    """The functions and classes a forbidden name stands for: for a module, everything callable
    defined in it."""
    target = resolve(dotted)
    if isinstance(target, types.ModuleType):
        return [(f"{dotted}.{key}", value) for key, value in vars(target).items()
                if callable(value) and getattr(value, "__module__", None) == target.__name__]
    return [(dotted, target)]


def watched_code(names):
    """The files (of forbidden modules) and code objects (of forbidden functions and of the
    methods of forbidden classes) whose running a profile hook reports: copies of a forbidden
    function kept where no module lists it (a library's dict of functions) still run that code."""
    files, codes = {}, {}
    for name in names:
        target = resolve(name)
        if isinstance(target, types.ModuleType):
            files[getattr(target, "__file__", None)] = name
            continue
        members = vars(target).values() if isinstance(target, type) else [target]
        for member in members:
            code = getattr(getattr(member, "__func__", member), "__code__", None)
            if isinstance(code, types.CodeType):
                codes[code] = name
    files.pop(None, None)
    return files, codes


def poison(names, namespace, called):
    """Replace every binding of every forbidden object by a stand-in that records and raises."""
    targets = [pair for name in names for pair in forbidden_objects(name)]

    def stand_in_for(label):
        def stand_in(*args, **kwargs):
            called.append(label)
            raise ForbiddenCall(label)
        return stand_in

    by_id = {id(obj): stand_in_for(label) for label, obj in targets}
    places = [namespace, *(vars(m) for m in list(sys.modules.values()) if m is not None)]
    for place in places:
        for key, value in list(place.items()):
            if id(value) in by_id:
                place[key] = by_id[id(value)]
    for label, obj in targets:              # a method: replaced in its class too
        owner = resolve(label.rsplit(".", 1)[0]) if "." in label else None
        if isinstance(owner, type) and getattr(owner, obj.__name__, None) is obj:
            setattr(owner, obj.__name__, by_id[id(obj)])


def plain(value, depth=0):
    """`value` as plain data, or a short description of what it is."""
    import numpy as np
    if depth > 20:
        return ("other", "a structure nested too deeply")
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return None
    for kind in (bool, int, float, complex, str, bytes):  # as the built-in type, not a subclass
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biufc":
            return ("other", f"an array of dtype {value.dtype}")
        return ("ndarray", value.dtype.str, value.shape, np.ascontiguousarray(value).tobytes())
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [plain(v, depth + 1) for v in value])
    if isinstance(value, dict):
        return ("dict", [(plain(k, depth + 1), plain(v, depth + 1)) for k, v in value.items()])
    return ("other", f"a {type(value).__name__}")


def main():
    # Kept as local names, captured before any student code runs (which may rebind the originals,
    # even this module's globals, through `import __main__`).
    settrace, setprofile = sys.settrace, sys.setprofile
    open_file, dumps, home = open, pickle.dumps, ANSWER_FILE
    job = pickle.load(sys.stdin.buffer)
    out_path, called, outcome = sys.argv[1], [], {}
    quiet = io.StringIO()                  # what the student's code prints is not the grader's
    namespace = {"__name__": "__main__"}
    try:
        with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
            exec(compile(job["setup"], "<setup>", "exec"), namespace)
            exec(compile(job["context"], "<context>", "exec"), namespace)
            files, codes = watched_code(job["forbid"])
            poison([*job["forbid"], *ALWAYS_FORBIDDEN], namespace, called)

            def watch(frame, event, arg, files=files, codes=codes, called=called):
                if event == "call":
                    name = codes.get(frame.f_code) or files.get(frame.f_code.co_filename)
                    if name is not None:
                        called.append(name)

            setprofile(watch)
            exec(compile(job["answer"], home, "exec"), namespace)
            answer = namespace.get(job["function"])
            if not callable(answer):
                raise NameError(f"the answer cell defines no function {job['function']}()")
            run = lambda f, *case: f(*case)  # noqa: E731
            if job["run"]:
                helpers = {"np": sys.modules["numpy"]}
                exec(job["run"], helpers)
                run = helpers[job["run_name"]]
            results, lines = [], []
            for case in job["cases"]:
                count = [0]

                def tracer(frame, event, arg, count=count, home=home):
                    if frame.f_code.co_filename != home:
                        return None
                    if event == "line":
                        count[0] += 1
                    return tracer

                if job["count_lines"]:
                    settrace(tracer)
                try:
                    results.append(plain(run(answer, *case)))
                finally:
                    settrace(None)
                lines.append(count[0])
        outcome = {"results": results, "lines": lines}
    except ForbiddenCall as error:
        outcome = {"error": "forbidden", "detail": str(error)}
    except NotImplementedError:
        outcome = {"error": "not done"}
    except RecursionError:
        outcome = {"error": "raised", "detail": "RecursionError: maximum recursion depth exceeded"}
    except BaseException as error:        # the student's bug, or a SystemExit it raised
        outcome = {"error": "raised", "detail": f"{type(error).__name__}: {error}"[:300]}
    setprofile(None)
    outcome["called"] = list(dict.fromkeys(called))
    with open_file(out_path, "wb") as f:
        f.write(dumps(outcome))


if __name__ == "__main__":
    main()
