"""autograd.builtins for the adapter: Python's own (tangent_lite needs no boxed containers)."""

import builtins

dict = builtins.dict
isinstance = builtins.isinstance
list = builtins.list
tuple = builtins.tuple
type = builtins.type
