"""Background jobs for scenario runs: submit, poll status and result, cancel.

Jobs run on a small thread pool of the serving process and live in its memory
(a restart forgets them). With several workers, a job's status is only known to
the worker that took it; the dashboard therefore polls the URL it was given, and
multi-worker deployments should route by job id or run one scenario worker.
A running job is cancelled cooperatively: the engine's progress callback raises
when the job is flagged, and a job that finishes anyway is reported cancelled.

A job belongs to the caller that submitted it (``owner``, a token id; None for
an anonymous caller). Anyone who may read runs sees every job, read-only; only
its owner or an admin may cancel it, and an anonymous run can be cancelled by
an admin only (anonymous callers share no identity).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from cachetools import FIFOCache

from orechain.errors import NotFoundError, OreChainError
from orechain.services.cache import newest

logger = logging.getLogger(__name__)

Status = Literal["queued", "running", "done", "failed", "cancelled"]

__all__ = ["Cancelled", "Job", "JobManager", "NotYourJobError"]


class Cancelled(Exception):
    """Raised inside a job when it has been cancelled."""


class NotYourJobError(OreChainError):
    """Cancelling a job that another caller submitted."""


@dataclass
class Job:
    """One background run."""

    job_id: str
    kind: str
    name: str
    owner: str | None = None
    """Token id of the caller that submitted the job; None when anonymous."""
    status: Status = "queued"
    progress: float = 0.0
    message: str = ""
    created: float = field(default_factory=time.time)
    finished: float | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    cancel_flag: threading.Event = field(default_factory=threading.Event, repr=False)
    future: Future[Any] | None = field(default=None, repr=False)

    def public(self, with_result: bool = True) -> dict[str, Any]:
        """The job as the API shows it."""
        out = {
            "job_id": self.job_id,
            "kind": self.kind,
            "name": self.name,
            "owner": self.owner,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "created": self.created,
            "finished": self.finished,
            "error": self.error,
        }
        if with_result:
            out["result"] = self.result if self.status == "done" else None
        return out

    def report(self, fraction: float, message: str = "") -> None:
        """Progress callback handed to the engine; raises :class:`Cancelled` when flagged."""
        if self.cancel_flag.is_set():
            raise Cancelled
        self.progress = max(0.0, min(1.0, float(fraction)))
        self.message = message


class JobManager:
    """Runs jobs on ``workers`` threads and keeps the latest ``keep`` of them."""

    def __init__(self, workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._jobs: FIFOCache[str, Job] = newest(keep)
        self._lock = threading.Lock()

    def submit(
        self, kind: str, name: str, work: Callable[[Job], Any], owner: str | None = None
    ) -> Job:
        """Queue ``work(job)`` on behalf of ``owner``; return the job at once."""
        job = Job(uuid.uuid4().hex[:16], kind, name, owner)
        with self._lock:
            self._jobs[job.job_id] = job
        job.future = self._pool.submit(self._run, job, work)
        return job

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        if job.cancel_flag.is_set():
            return
        job.status = "running"
        try:
            result = work(job)
        except Cancelled:
            job.status = "cancelled"
        except Exception as exc:
            logger.exception("job %s failed", job.job_id)
            job.status = "failed"
            job.error = {"type": type(exc).__name__, "message": str(exc)}
        else:
            job.status = "cancelled" if job.cancel_flag.is_set() else "done"
            job.result, job.progress = result, 1.0
        job.finished = time.time()

    def get(self, job_id: str) -> Job:
        """The job ``job_id``; raises NotFoundError."""
        job = self._jobs.get(job_id)
        if job is None:
            msg = f"no job {job_id!r} (jobs are kept in the memory of the worker that ran them)"
            raise NotFoundError(msg)
        return job

    def list(self) -> list[Job]:
        """Jobs, newest first."""
        with self._lock:
            jobs = list(self._jobs.values())
        return sorted(jobs, key=lambda j: -j.created)

    def cancel(self, job_id: str, by: str | None = None, *, admin: bool = False) -> Job:
        """Flag a job cancelled; a queued job never starts.

        Raises
        ------
        NotYourJobError
            ``by`` is not the job's owner and not an admin (anonymous jobs: admins only).
        """
        job = self.get(job_id)
        if not admin and (job.owner is None or job.owner != by):
            msg = f"job {job_id} was submitted by another caller; only its owner or an admin "
            msg += "may cancel it"
            raise NotYourJobError(msg)
        if job.status in ("queued", "running"):
            job.cancel_flag.set()
            if job.future is not None and job.future.cancel():
                job.status, job.finished = "cancelled", time.time()
        return job

    def close(self) -> None:
        """Cancel queued jobs and stop the threads."""
        for job in list(self._jobs.values()):
            job.cancel_flag.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
