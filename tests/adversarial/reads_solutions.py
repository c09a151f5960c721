"""pad2d answers with the reference: by import, and by reading solutions/ from disk (where the kit lives, through
/proc/1/root, or wherever a search of the usual folders finds it)."""
# select: test_zeros_with_int_padding or test_each_mode_with_per_side_padding
# expect: fail
# feedback: could not find the reference
# needs: isolation

import glob
import importlib.util
import sys


def _reference():
    try:
        from solutions.lab1_convolution.convolution import pad2d as reference

        return reference
    except ImportError:
        pass
    candidates = ["/work/main/solutions/lab1_convolution/convolution.py",
                  "/proc/1/root/work/main/solutions/lab1_convolution/convolution.py",
                  *[path for top in ("/work", "/home", "/root", "/srv", "/opt", "/tmp")
                    for path in glob.glob(f"{top}/**/solutions/lab1_convolution/convolution.py", recursive=True)]]
    for path in candidates:
        try:
            spec = importlib.util.spec_from_file_location("stolen", path)
            module = importlib.util.module_from_spec(spec)
            sys.modules["stolen"] = module
            spec.loader.exec_module(module)
            return module.pad2d
        except Exception:
            continue
    return None


def pad2d(x, padding, mode="zeros"):
    reference = _reference()
    if reference is None:
        raise LookupError("could not find the reference")
    return reference(x, padding, mode)
