"""JSON-safe values: one conversion shared by the CLI, the API and written reports.

Results carry numpy scalars and arrays and pandas NaN; JSON has neither, and
RFC 8259 has no NaN or infinity. Missing numbers become ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


def to_jsonable(obj: Any) -> Any:
    """``obj`` with mappings, sequences and numpy values turned into plain JSON types.

    Examples
    --------
    >>> import numpy as np
    >>> to_jsonable({"a": np.float64("nan"), "b": np.array([1, 2]), 3: (np.int64(4),)})
    {'a': None, 'b': [1, 2], '3': [4]}
    """
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if hasattr(obj, "tolist") and not isinstance(obj, str | bytes):
        obj = obj.tolist()  # numpy arrays and scalars
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    return obj
