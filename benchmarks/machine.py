"""What a benchmark ran on, for the first line of its output."""

import os
import platform

import numpy as np


def cpu_name():
    """The processor's model name where the system tells it (Linux), else the architecture."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe():
    """E.g. "AMD EPYC, 2 cores, Linux, Python 3.11.7, NumPy 2.4.6"."""
    return (f"{cpu_name()}, {os.cpu_count()} cores, {platform.system()}, Python "
            f"{platform.python_version()}, NumPy {np.__version__}")
