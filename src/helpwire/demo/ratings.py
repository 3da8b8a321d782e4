"""Demo ratings [RP1]: most solved tickets were asked, a third of those answered, mostly
"good" — so the CSAT figures and the bad-rating rule have something to show."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db.models import Max

from helpwire.reports.models import Rating
from helpwire.tickets.models import Change, Status, Ticket

COMMENTS = {"good": ["Спасибо, быстро!", "Отлично помогли", ""],
            "normal": ["Долго, но решили", ""],
            "bad": ["Три дня ждал ответа", "Так и не поняли, что мне нужно"]}


def add_ratings(*, after: int, seed: int) -> int:
    """Ratings for the solved and closed tickets above id ``after``; returns how many."""
    rng = random.Random(f"ratings:{seed}:{after}")
    solved_at = dict(Change.objects.filter(ticket_id__gt=after, field="status",
                                           new__in=[Status.SOLVED, Status.CLOSED])
                     .values_list("ticket_id").annotate(at=Max("created_at")).order_by())
    made = []
    for pk, assignee, solved in (Ticket.objects.filter(
            pk__gt=after, status__in=[Status.SOLVED, Status.CLOSED])
            .values_list("pk", "assignee_id", "solved_at").iterator(chunk_size=5000)):
        at = solved_at.get(pk) or solved
        if at is None or rng.random() > 0.8:
            continue
        rating = Rating(ticket_id=pk, agent_id=assignee, requested_at=at)
        if rng.random() < 0.35:
            grade = rng.choices(["good", "normal", "bad"], weights=[78, 13, 9])[0]
            rating.grade, rating.comment = grade, rng.choice(COMMENTS[grade])
            rating.rated_at = at + timedelta(minutes=rng.uniform(5, 600))
        made.append(rating)
    Rating.objects.bulk_create(made, batch_size=5000)
    return len(made)
