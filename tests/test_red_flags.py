"""The role pack's misconceptions, read as claims: each one is caught however a person says it
(plainly, hedged, as experience, asked back) and never when the answer denies it or explains it
correctly. One sample per technical topic, each a well-known mistake an interviewer meets."""

from __future__ import annotations

import pytest

from rubric.analysis import analyse_answer


def flags(pack, question_id: str, text: str) -> list[str]:
    """The misconceptions the rubric brain reads in `text`, as an answer to the question."""
    question = pack.question(question_id)
    return analyse_answer(question, pack.topic_of(question.id), [text]).red_flags


# (question, misconception, [answers that state it], [answers that deny or correct it])
CASES = [
    (
        "api_design.junior",
        "Thinks REST requires JSON or that resources must mirror database tables",
        [
            "REST requires JSON, so the endpoint returns a JSON object.",
            "I think REST basically means JSON over HTTP.",
            "In my last project we made one endpoint per table, which is what REST is.",
            "Doesn't REST have to use JSON?",
        ],
        [
            "REST doesn't require JSON; it's just the most common representation.",
            "It's a myth that REST means JSON: XML or protobuf work too.",
            "Our REST API returns JSON because every client we have speaks it.",
        ],
    ),
    (
        "async_programming.mid",
        "Thinks to_thread or a thread pool runs CPU-bound Python in parallel",
        [
            "For the image resizing I'd use to_thread for CPU-bound work so it runs in parallel.",
            "I guess a ThreadPoolExecutor for CPU-bound code is the way to get parallelism.",
            "We just used a thread pool for CPU bound tasks and they ran in parallel.",
            "Can't you use to_thread for CPU-heavy work?",
        ],
        [
            "to_thread is good for blocking I/O, but CPU-bound Python needs a process pool.",
            "A thread pool does not run CPU-bound Python in parallel, because of the GIL.",
            "to_thread is for blocking I/O; for CPU-bound work a process pool runs in parallel.",
        ],
    ),
    (
        "auth.junior",
        "Thinks OAuth 2.0 is an authentication protocol",
        [
            "OAuth is an authentication protocol, like logging in with Google.",
            "I believe OAuth2 is for authentication.",
            "Is OAuth an authentication protocol?",
        ],
        [
            "OAuth is not an authentication protocol: OpenID Connect adds that on top.",
            "OAuth 2.0 is about delegated authorization; OpenID Connect handles authentication.",
            "OpenID Connect is an authentication protocol built on top of OAuth 2.0.",
        ],
    ),
    (
        "caching.mid",
        "Puts functools.lru_cache on async functions or expects it to expire entries",
        [
            "I'd just put lru_cache on the async function that loads the product.",
            "Maybe lru_cache works with async functions too.",
            "We set lru_cache with a TTL of five minutes.",
            "Does lru_cache work with async def?",
        ],
        [
            "lru_cache doesn't work with async functions: it caches the coroutine, not the result.",
            "Never put lru_cache on an async function; use an async cache with a TTL.",
            "lru_cache is fine for sync helpers, and Redis with a TTL caches the async lookups.",
        ],
    ),
    (
        "concurrency_performance.mid",
        "Thinks garbage collection makes memory leaks impossible in Python",
        [
            "Memory leaks are impossible in Python because of the garbage collector.",
            "I think Python can't have memory leaks.",
            "The garbage collector prevents memory leaks, right?",
        ],
        [
            "Python can still have memory leaks, for example a module-level dict that only grows.",
            "The garbage collector doesn't prevent memory leaks from objects you still reference.",
            "Python has a garbage collector, and memory still leaks through references you keep.",
        ],
    ),
    (
        "database_access.mid",
        "Thinks rows come back in insertion order without ORDER BY",
        [
            "There's no need for ORDER BY, rows come back in insertion order.",
            "I think Postgres always returns rows in insertion order.",
            "We relied on rows being returned in the order they were inserted.",
        ],
        [
            "Rows are not returned in insertion order unless you add an ORDER BY.",
            "Without ORDER BY the order is undefined, so pagination needs ORDER BY id.",
            "We add ORDER BY created_at, id so the rows come back in a stable order.",
        ],
    ),
    (
        "database_scaling.mid",
        "Treats replicas as backups",
        [
            "We have two read replicas, so we don't need backups.",
            "I'd say the replicas are our backups.",
            "We used the replica as a backup for years.",
        ],
        [
            "A replica is not a backup: it copies a DROP TABLE within seconds.",
            "Replicas help availability, and we still take nightly backups with PITR.",
            "We keep a replica for failover and separate backups for recovery.",
        ],
    ),
    (
        "microservices.mid",
        "Thinks a monolith cannot scale",
        [
            "Monoliths can't scale, so we had to move to microservices.",
            "I think a monolith can only scale vertically.",
            "We needed microservices to scale.",
        ],
        [
            "It's a myth that monoliths can't scale: run more copies behind a load balancer.",
            "A monolith scales horizontally just fine when it is stateless.",
            "Our monolith scaled to ten instances behind a load balancer.",
        ],
    ),
    (
        "observability.mid",
        "Averages percentiles across instances or time windows",
        [
            "We average the p99 across all the pods to get the service latency.",
            "I guess you can average the percentiles from each instance.",
            "Can we just average the p95s from the three servers?",
        ],
        [
            "You can't average the p99 across instances; sum the histogram buckets instead.",
            "Don't average percentiles, aggregate the histograms and compute the quantile.",
            "The dashboard shows the p99 from the histogram, next to the average.",
        ],
    ),
    (
        "python_fastapi.mid",
        "Thinks global variables are shared across Uvicorn workers",
        [
            "With four uvicorn workers the global variables are shared across workers.",
            "I assume the workers share memory, so the counter is global.",
            "Don't Gunicorn workers share memory?",
        ],
        [
            "Workers don't share memory: each is a separate process with its own globals.",
            "Global variables are not shared across workers, so keep the counter in Redis.",
            "Each uvicorn worker is its own process, so shared state goes in Redis.",
        ],
    ),
    (
        "rate_limiting_load_balancing.mid",
        "Thinks the load balancer cannot fail",
        [
            "The load balancer never fails, so it doesn't need redundancy.",
            "I think a load balancer can't go down.",
            "We had one load balancer because load balancers never go down.",
        ],
        [
            "A load balancer can fail too, so we run two with a floating IP.",
            "It's wrong to think the load balancer never fails: it's a single point of failure.",
            "We run two load balancers with a floating IP in case one fails.",
        ],
    ),
    (
        "schema_optimization.mid",
        "Thinks count(*) is instant in PostgreSQL",
        [
            "count(*) is instant because Postgres stores the row count.",
            "I believe count(*) is O(1) in PostgreSQL.",
            "Doesn't Postgres keep the row count for each table?",
        ],
        [
            "Postgres doesn't store the row count, so count(*) has to scan.",
            "count(*) is not instant on a big table; use the estimate in pg_class.",
            "count(*) on a big table scans it, so we show the estimate from pg_class.",
        ],
    ),
]


@pytest.mark.parametrize(("question_id", "label", "stated", "denied"), CASES, ids=lambda c: c)
def test_a_misconception_is_caught_however_it_is_said(pack, question_id, label, stated, denied):
    for text in stated:
        assert label in flags(pack, question_id, text), text
    for text in denied:
        assert label not in flags(pack, question_id, text), text


def test_corrections_and_key_points_state_no_misconception(pack):
    """A red flag's correction, and a key point's label, are correct answers: read as an answer
    to any question of their topic, they must not be taken for a misconception."""
    wrong = {}
    for bank in pack.topics.values():
        all_flags = [*bank.red_flags, *(f for q in bank.questions for f in q.red_flags)]
        texts = [f.correction for f in all_flags]
        texts += [kp.label for q in bank.questions for kp in q.key_points]
        for question in bank.questions:
            for text in texts:
                found = analyse_answer(question, bank, [text]).red_flags
                if found:
                    wrong[f"{question.id}: {text}"] = found
    assert wrong == {}
