-- New states for the scheduler's run policies, in a file of their own: an enum value
-- added in a transaction cannot be used until that transaction commits.
-- dead: the last allowed attempt failed; nothing retries it until an operator requeues it.
alter type sambatan_jobs.job_execution_status add value if not exists 'dead';
-- requeue: an operator ran a dead execution again (scheduler-requeue).
alter type sambatan_jobs.job_trigger add value if not exists 'requeue';
