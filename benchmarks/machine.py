"""What a benchmark ran on, for the first line of its output."""

import os
import platform

import numpy as np


def cpu_name():
    """The processor's model name where the system tells it (Linux), with its family and model
    numbers and its widest vector instructions (a virtual machine's name can be as bare as "AMD
    EPYC", and the same name can hide processors of different speeds); else the architecture."""
    fields = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    if "model name" not in fields:
        return platform.processor() or platform.machine()
    details = []
    if "cpu family" in fields and "model" in fields:
        details.append(f"family {fields['cpu family']}, model {fields['model']}")
    flags = fields.get("flags", "").split()
    details += [name for flag, name in (("avx512f", "AVX-512"), ("avx2", "AVX2"))
                if flag in flags][:1]  # the widest only
    return f"{fields['model name']} ({', '.join(details)})" if details else fields["model name"]


def describe():
    """E.g. "AMD EPYC, 2 cores, Linux, Python 3.11.7, NumPy 2.4.6"."""
    return (f"{cpu_name()}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}")
