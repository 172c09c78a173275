"""`SeriesArray`: a metric's column (values, epochs or timestamps) as a numpy
array that also answers the calls Aim scripts make on Aim's `ArrayView`
(`metric.values.sparse_numpy()`, `.last_value()`…), the series' steps being the
sparse indices. Imported by reading.py when points are read, so importing the
SDK does not import numpy.
"""

from __future__ import annotations

import numpy as np


class SeriesArray(np.ndarray):
    """A 1-D numpy array (index it by position, as any array) whose `steps` are
    the series' steps. An array derived from it (a slice, `values * 2`) is a
    plain array again as far as steps go: its indices are its positions."""

    steps: np.ndarray | None

    def __new__(cls, column: np.ndarray, steps: np.ndarray) -> SeriesArray:
        array = np.asarray(column).view(cls)
        array.steps = steps
        return array

    def __array_finalize__(self, source) -> None:
        # A view or a result may hold other points than the steps say.
        self.steps = None

    # -- Aim's ArrayView -------------------------------------------------------

    def indices_numpy(self) -> np.ndarray:
        if self.steps is not None:
            return self.steps
        return np.arange(len(self))

    def values_numpy(self) -> np.ndarray:
        return self.view(np.ndarray)

    def sparse_numpy(self) -> tuple[np.ndarray, np.ndarray]:
        return self.indices_numpy(), self.values_numpy()

    def indices_list(self) -> list:
        return self.indices_numpy().tolist()

    def values_list(self) -> list:
        return self.values_numpy().tolist()

    def sparse_list(self) -> tuple[list, list]:
        return self.indices_list(), self.values_list()

    def first(self) -> tuple[int, float]:
        return self.first_idx(), self.first_value()

    def first_idx(self) -> int:
        return int(self.indices_numpy()[0])

    def first_value(self) -> float:
        return self.values_numpy()[0].item()

    def last(self) -> tuple[int, float]:
        return self.last_idx(), self.last_value()

    def last_idx(self) -> int:
        return int(self.indices_numpy()[-1])

    def last_value(self) -> float:
        return self.values_numpy()[-1].item()
