import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.retention.conftest import due_records, file_plan  # noqa: F401 - the reports need them

# The checkout sits beside shared/ (CI clones main next to it).
FORMATS = Path(__file__).resolve().parents[3] / "shared" / "formats"


@pytest.fixture
def real_sample(tmp_path: Path) -> Callable[..., Path]:
    """Copies real example payloads (concatenated, in the given order) into a temporary file,
    so rejected files never land in shared/."""

    def copy(*names: str) -> Path:
        target = tmp_path / Path(names[0]).name
        if len(names) == 1:
            shutil.copyfile(FORMATS / names[0], target)
        else:
            target.write_bytes(b"\n".join((FORMATS / name).read_bytes() for name in names))
        return target

    return copy
