"""Running Debian's `wrk` against one endpoint and reading its figures.

wrk is a C load generator (one event loop per thread), so the 50 connections cost the machine a
small share of a core, not the server's CPU as 50 Python clients would. A Lua script picks each
request's path from a list (so detail requests spread over many ids) and, when the run is done,
prints one JSON line with the counts and the latency percentiles wrk measured itself.
"""

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "apt-get install -y wrk"

# The paths are inlined as a Lua table; `done` runs once, after every thread stopped.
SCRIPT = """
local paths = {%(paths)s}
local header = %(header)s
local counter = 0
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  if header ~= nil then
    return wrk.format("GET", path, {["Authorization"] = header})
  end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d, "p50_us": %%d, "p95_us": %%d, '
    .. '"p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Result:
    requests: int
    seconds: float
    errors: int  # connection, read, write and timeout errors plus non-2xx/3xx answers
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_command() -> str:
    """The wrk executable; stops with the command that installs it when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit(f"wrk is not installed. As root: {INSTALL_HINT}")
    return found


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for ASCII


def run(
    base_url: str,
    paths: list[str],
    *,
    token: str | None,
    connections: int,
    threads: int,
    seconds: float,
) -> Result:
    script = SCRIPT % {
        "paths": ", ".join(_lua_string(path) for path in paths),
        "header": _lua_string(f"Token {token}") if token else "nil",
    }
    with tempfile.TemporaryDirectory() as folder:
        script_path = Path(folder) / "paths.lua"
        script_path.write_text(script)
        completed = subprocess.run(
            [
                wrk_command(),
                f"--threads={threads}",
                f"--connections={connections}",
                f"--duration={max(1, round(seconds))}s",
                "--timeout=10s",
                f"--script={script_path}",
                base_url + paths[0],
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    for line in completed.stdout.splitlines():
        if line.startswith("WRK-JSON "):
            data = json.loads(line.removeprefix("WRK-JSON "))
            errors = sum(data[key] for key in ("connect", "read", "write", "status", "timeout"))
            return Result(
                requests=data["requests"],
                seconds=data["duration_us"] / 1e6,
                errors=errors,
                p50_ms=data["p50_us"] / 1000,
                p95_ms=data["p95_us"] / 1000,
                p99_ms=data["p99_us"] / 1000,
            )
    raise SystemExit(f"wrk printed no result:\n{completed.stdout}\n{completed.stderr}")
