"""Lay out TensorFlow's C library from a tensorflow_cpu wheel the way tfjs-node's addon expects.

usage: extract_tensorflow.py WHEEL DEST   ->  DEST/lib/*.so*, DEST/include/**.h

Only the two shared libraries and the C API headers are taken; TensorFlow's
Python package is never installed.
"""
import os
import sys
import zipfile

LIBRARIES = {
    # file in the wheel -> link name the addon is linked with (-ltensorflow, -ltensorflow_framework)
    "tensorflow/libtensorflow_cc.so.2": "libtensorflow.so",
    "tensorflow/libtensorflow_framework.so.2": "libtensorflow_framework.so",
}
# The C and eager C API headers and the few headers they include.
HEADER_PREFIXES = (
    "tensorflow/include/tensorflow/c/",
    "tensorflow/include/xla/tsl/c/",
    "tensorflow/include/tsl/platform/ctstring",
    "tensorflow/include/tensorflow/core/platform/ctstring",
)


def main(wheel: str, dest: str) -> None:
    lib_dir = os.path.join(dest, "lib")
    os.makedirs(lib_dir, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        missing = [name for name in LIBRARIES if name not in names]
        if missing:
            sys.exit(f"{wheel} does not contain {', '.join(missing)}: is it a tensorflow_cpu wheel for Linux x86-64?")
        for name, link in LIBRARIES.items():
            target = os.path.join(lib_dir, os.path.basename(name))
            with archive.open(name) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 24):
                    out.write(chunk)
            os.symlink(os.path.basename(name), os.path.join(lib_dir, link))
        for name in names:
            if name.startswith(HEADER_PREFIXES) and name.endswith(".h"):
                target = os.path.join(dest, "include", name[len("tensorflow/include/"):])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(name) as src, open(target, "wb") as out:
                    out.write(src.read())


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
