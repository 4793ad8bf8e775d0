"""The job worker: turns due occurrences into runs (each once, whatever the number of processes)
and runs due runs under a lease. A process killed mid-run leaves its lease to run out; the run is
taken up again (up to three attempts), not lost and not run twice at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from models.jobs import JobRun
from resolvers.background import PollingWorker
from resolvers.jobs import repository, runner
from resolvers.jobs.schemas import LEASE_SECONDS, MAX_ATTEMPTS, MISFIRE_GRACE, RUN_BATCH, next_occurrence
from resolvers.runtime import Runtime

log = logging.getLogger("basalt.jobs")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class JobWorker(PollingWorker):
    label = "job worker"

    def __init__(self, runtime: Runtime, *, worker_id: str | None = None, poll_seconds: float = 1.0, clock: Clock = utc_now) -> None:
        super().__init__(worker_id=worker_id, poll_seconds=poll_seconds)
        self.runtime = runtime
        self.clock = clock

    async def run_once(self) -> bool:
        scheduled = await self.schedule()
        ran = await self.run_due()
        return scheduled > 0 or ran > 0

    async def schedule(self) -> int:
        """Claim every due occurrence (one run row each) and move each job to its next one."""
        now = self.clock()
        claimed = 0
        for job in await repository.due_jobs(now, 50):
            occurrence = job.next_run_at
            assert occurrence is not None
            following = next_occurrence(job.cron_expression, job.timezone, occurrence) if job.cron_expression else None
            if now - occurrence > MISFIRE_GRACE:  # long missed (the servers were down): resume from now, no burst
                await repository.skip_to(job, occurrence, next_occurrence(job.cron_expression, job.timezone, now) if job.cron_expression else None)
                continue
            claimed += await repository.claim_occurrence(job, occurrence, following)
        return claimed

    async def run_due(self) -> int:
        runs = await repository.claim_runs(self.worker_id, self.clock(), RUN_BATCH, LEASE_SECONDS)
        for run in runs:
            await self._run(run)
        return len(runs)

    async def _run(self, run: JobRun) -> None:
        if run.attempts > MAX_ATTEMPTS:
            await repository.finish(run, self.worker_id, status="failed", error=f"gave up after {MAX_ATTEMPTS} attempts (the process running it stopped)")
            return
        try:
            await runner.execute(run, await repository.job(run.tenant_id, run.job_id), self.runtime, worker_id=self.worker_id)
        except Exception:
            log.exception("job run %s could not be settled; its lease will run out and it is taken up again", run.id)
