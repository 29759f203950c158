"""The event log's columns, the matrix trainset, and the hold-out built on them."""

import pickle
from datetime import UTC, datetime, timedelta

import pytest
from surprise import Dataset, KNNBasic, Reader

from recommendations.datasets import build_trainset, trainset
from recommendations.evaluation import temporal_holdout
from recommendations.eventlog import EventLog

NOW = datetime(2011, 12, 9, 12, 30, 15, 123456, tzinfo=UTC)


def ago(days):
    return NOW - timedelta(days=days)


EVENTS = [
    ("u1", 10, "view", ago(30)),
    ("u1", 10, "purchase", ago(20), 501),
    ("u2", 11, "basket_add", ago(10)),
    ("u2", 10, "purchase", ago(5), 502),
    ("u2", 12, "purchase", ago(5), 502),
    ("v9", None, "search", ago(1)),
]


def test_a_log_gives_back_the_events_and_purchases_it_was_made_of():
    log = EventLog.from_tuples(EVENTS, reviews={("u1", 10): 5}, now=NOW)
    assert len(log) == 6
    assert log.events() == [event[:4] for event in EVENTS]  # microseconds and zone kept
    assert log.purchases() == [("u1", 10, ago(20), 501), ("u2", 10, ago(5), 502),
                               ("u2", 12, ago(5), 502)]
    bought = log.incidence("purchase", "basket_add")  # shoppers x products, 1 per pair
    assert bought.shape == (len(log.shoppers), len(log.items))
    assert {(log.shoppers[s], log.items[i]) for s, i in zip(*bought.nonzero())} == \
        {("u1", 10), ("u2", 10), ("u2", 11), ("u2", 12)}
    assert bought.data.tolist() == [1.0] * 4
    # Columns, not Python objects: one small integer per event and field.
    assert [column.dtype.itemsize for column in (log.shopper, log.item, log.kind, log.order)] \
        == [4, 4, 1, 4]


def test_naive_times_come_back_naive():
    naive = [(s, i, k, w.replace(tzinfo=None), *rest) for s, i, k, w, *rest in EVENTS]
    log = EventLog.from_tuples(naive)
    assert log.events() == [event[:4] for event in naive]


RATINGS = {("ann", "mug"): 5.0, ("ann", "tea"): 3.0, ("bob", "mug"): 4.0, ("bob", "pot"): 2.0,
           ("cat", "tea"): 4.5, ("cat", "pot"): 1.0, ("dan", "mug"): 3.5, ("dan", "tea"): 2.5}


def surprise_trainset(ratings):
    import pandas as pd

    frame = pd.DataFrame([(u, i, r) for (u, i), r in ratings.items()],
                         columns=["user", "item", "rating"])
    return Dataset.load_from_df(frame, Reader(rating_scale=(1, 5))).build_full_trainset()


def test_surprise_algorithms_fit_the_matrix_trainset_as_they_fit_their_own():
    ours, theirs = build_trainset(RATINGS), surprise_trainset(RATINGS)
    # The same numbering as Surprise's (order of first rating), the same ratings.
    for user in ("ann", "bob", "cat", "dan"):
        assert ours.to_inner_uid(user) == theirs.to_inner_uid(user)
        assert sorted(ours.ur[ours.to_inner_uid(user)]) == sorted(theirs.ur[theirs.to_inner_uid(user)])
    for item in ("mug", "tea", "pot"):
        assert sorted(ours.ir[ours.to_inner_iid(item)]) == sorted(theirs.ir[theirs.to_inner_iid(item)])
    assert ours.global_mean == pytest.approx(theirs.global_mean)
    assert sorted(ours.all_ratings()) == sorted(theirs.all_ratings())
    assert list(ours.all_ratings(batch=2)) == list(ours.all_ratings())  # made a batch at a time
    options = {"name": "cosine", "user_based": False}
    a = KNNBasic(k=2, sim_options=options, verbose=False).fit(ours)
    b = KNNBasic(k=2, sim_options=options, verbose=False).fit(theirs)
    for user in ("ann", "bob", "cat", "dan"):
        for item in ("mug", "tea", "pot"):
            assert a.predict(user, item).est == pytest.approx(b.predict(user, item).est)
    with pytest.raises(ValueError):
        ours.to_inner_uid("nobody")
    assert not ours.knows_user(99) and ours.knows_user(0)


def test_a_pickled_trainset_keeps_its_ratings_and_ids_but_not_the_log():
    built = trainset(EventLog.from_tuples(EVENTS, now=NOW))
    assert built.log is not None
    back = pickle.loads(pickle.dumps(built))
    assert back.log is None
    assert (back.matrix != built.matrix).nnz == 0
    assert [back.to_raw_uid(u) for u in range(back.n_users)] == ["u1", "u2"]
    assert back.to_inner_iid(12) == built.to_inner_iid(12)
    assert len(pickle.dumps(built)) < 2_000  # no event in it


def test_the_holdout_trains_on_events_before_the_split_once_per_basket():
    start = datetime(2011, 1, 1, tzinfo=UTC)
    day = timedelta(days=1)
    events = [
        ("u1", "a", "purchase", start, 1), ("u1", "a", "purchase", start, 1),  # two lines
        ("u1", "b", "view", start + 50 * day),
        ("u2", "a", "purchase", start + 60 * day, 2),
        ("u1", "c", "purchase", start + 95 * day, 3),  # after the split (day 90)
        ("u1", "d", "view", start + 96 * day),
        ("u2", "a", "purchase", start + 100 * day, 4),
    ]
    h = temporal_holdout(EventLog.from_tuples(events))
    assert h.split == start + 90 * day
    assert h.train.events() == [("u1", "a", "purchase", start),
                                ("u2", "a", "purchase", start + 60 * day),
                                ("u1", "b", "view", start + 50 * day)]
    assert h.catalogue == ["a"]
    assert h.relevant_all == {"u2": {"a"}}  # u1's "c" was never bought before the split
    assert h.relevant_new == {}
    ratings = h.trainset()
    assert ratings.n_users == 2 and ratings.n_items == 2  # a (bought), b (viewed)
    assert ratings.now == h.split


def test_fitting_the_time_aware_candidates_never_turns_the_log_into_tuples():
    from recommendations.algorithms import ALS, Trending

    built = trainset(EventLog.from_tuples(EVENTS, now=NOW))

    def tuples():  # what a big shop's worker cannot afford: one Python tuple per event
        raise AssertionError("the log was turned into tuples")

    built.log.events = built.log.purchases = tuples
    confidence = ALS(factors=2, iterations=1).fit(built).confidence()
    assert confidence.nnz == 3  # u1: mug; u2: mug, pot (basket adds and views weigh 0 in ALS)
    assert Trending().fit(built).item_scores.max() == 1.0


def test_the_rating_scale_holds_when_most_pairs_weigh_nothing():
    from recommendations.datasets import ratings

    # Centuries-old events decay to 0: once most pairs weigh 0, their median is 0; the scale
    # saturates around the median of the pairs that weigh something instead.
    weightless = {(f"u{n}", 10): 0.0 for n in range(7)}
    mapped = ratings({**weightless, ("u8", 10): 2.0, ("u9", 11): 8.0}, scale=(1, 5),
                     review_weight=0.0)
    assert all(value == 1.0 for pair, value in mapped.items() if pair in weightless)
    # Median of 2 and 8 is 5: 1 + 4 * 2 / 7 and 1 + 4 * 8 / 13.
    assert mapped[("u8", 10)] == pytest.approx(1 + 4 * 2 / 7)
    assert mapped[("u9", 11)] == pytest.approx(1 + 4 * 8 / 13)
    nothing = ratings(weightless, scale=(1, 5), review_weight=0.0)
    assert set(nothing.values()) == {1.0}  # not 0 / 0
