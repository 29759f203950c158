"""
Settings of the recommendations app and their defaults.

Each name ``X`` below is read from the Django setting ``RECOMMENDATIONS_X`` when the project sets
it, else from ``DEFAULTS``; values are read at use, so ``override_settings`` works in tests.
Use as ``from recommendations import conf; conf.TOP_N``.
"""

from oscar_insights.conf import AppSettings

DEFAULTS = {
    # How many recommendations are published per shopper and per product.
    "TOP_N": 50,
    # --- Training data (datasets.py) ---------------------------------------------------------
    # Weight of each event type in a shopper's confidence in a product.
    "EVENT_WEIGHTS": {
        "view": 1.0,
        "rec_click": 1.0,
        "wishlist_add": 3.0,
        "basket_add": 4.0,
        "purchase": 8.0,
    },
    # An event counts half as much after this many days.
    "HALF_LIFE_DAYS": 90,
    # Rating scale handed to Surprise, and the share of a review's score in a blended rating.
    "RATING_SCALE": (1, 5),
    "REVIEW_WEIGHT": 0.5,
    # --- Algorithms and training (algorithms/registry.py, training.py) --------------------------
    # Every algorithm a shop can train, by name: the class as a dotted path, its parameters, and
    # the values of some parameters to try on the validation split ("tune").  A blend names its
    # components; their weights are tuned.  Add your own AlgoBase + TopNMixin subclass here.
    "ALGORITHMS": {
        "popularity": {"class": "recommendations.algorithms.Popularity"},
        "trending": {"class": "recommendations.algorithms.Trending",
                     "params": {"half_life_days": 7}},
        "repeat": {"class": "recommendations.algorithms.RepeatPurchase",
                   "params": {"half_life_days": 60}},
        "item_knn": {"class": "recommendations.algorithms.ItemKNN", "params": {"k": 100}},
        "als": {"class": "recommendations.algorithms.ALS",
                "params": {"factors": 64, "iterations": 15, "regularization": 0.01,
                           "alpha": 1.0},
                "tune": {"alpha": [1.0, 2.0], "half_life_days": [None, 90, 180, 365]}},
        "bpr": {"class": "recommendations.algorithms.BPR",
                "params": {"factors": 64, "iterations": 100, "learning_rate": 0.01}},
        "ease": {"class": "recommendations.algorithms.EASE",
                 "params": {"lambda_": 400.0, "max_items": 10_000},
                 "tune": {"lambda_": [100.0, 200.0, 400.0, 800.0]}},
        "baseline": {"class": "recommendations.algorithms.BaselineOnly",
                     "params": {"verbose": False}},
        "svd": {"class": "recommendations.algorithms.SVD",
                "params": {"n_factors": 64, "n_epochs": 20, "random_state": 1}},
        "svdpp": {"class": "recommendations.algorithms.SVDpp",
                  "params": {"n_factors": 20, "n_epochs": 10, "random_state": 1,
                             "cache_ratings": True}},
        "nmf": {"class": "recommendations.algorithms.NMF",
                "params": {"n_factors": 15, "n_epochs": 50, "random_state": 1}},
        "knn_baseline": {"class": "recommendations.algorithms.KNNBaseline",
                         "params": {"k": 40}},
        "blend": {
            "class": "recommendations.algorithms.Blend",
            # [algorithm name, weight, normalise each shopper's scores to a maximum of 1]
            "components": [["ease", 1.0, True], ["trending", 0.2, False],
                           ["repeat", 1.0, False]],
            "tune": {"trending": [0.1, 0.2, 0.4, 0.8], "repeat": [0.0, 1.0, 2.0, 4.0]},
        },
    },
    # The algorithms a training run evaluates (popularity, the baseline to beat, always is);
    # the best one on NDCG@10 is published if it beats popularity.  SVD++, NMF and KNNBaseline
    # are left out by default: slow on purchase data and worse than popularity there.
    "CANDIDATES": ("popularity", "trending", "repeat", "item_knn", "als", "ease", "baseline",
                   "svd", "blend"),
    # True: a shopper's list may hold products they bought before ("buy it again"), judged by
    # the all-items protocol; False: only products new to them, judged by the new-items one.
    "REPEAT_PURCHASES": True,
    # The hold-out needs this many test shoppers to judge candidates; with fewer (a young shop)
    # the configured DEFAULT_ALGORITHM is published unjudged.
    "MIN_TEST_SHOPPERS": 50,
    # At most this many test shoppers (a seeded random sample) are evaluated, so that the
    # evaluation of a very large shop stays bounded in time and memory.
    "EVALUATION_MAX_USERS": 10_000,
    "DEFAULT_ALGORITHM": "blend",
    # Memory a training run may use to fit one candidate (MB; None: no limit).  Each candidate
    # estimates its need from the data's shape before it fits: one over the budget is skipped
    # (a line in the candidate table and the log), as is one that raises; the others go on.
    # The default suits a 4 GB worker.
    "MEMORY_BUDGET_MB": 3072,
    # Where a version's fitted model is kept (artefacts.py): a storage alias of STORAGES and a
    # folder in it.
    "ARTEFACT_STORAGE": "default",
    "ARTEFACT_DIRECTORY": "recommendations/models",
    # Shoppers ranked per chunk from the saved model (ranking.py): each chunk a Celery task of
    # the training run's chord, tried again up to RANK_RETRIES times (after 5 s, 10 s …).
    "RANK_CHUNK_SIZE": 20000,
    "RANK_RETRIES": 2,
    # Related-product lists: pairs need this many common shoppers (or baskets) to count.
    "MIN_SUPPORT": 2,
    # --- Related-products measures (measures.py) ------------------------------------------------
    # Every association measure the basket protocol scores, by name: the class as a dotted path
    # (an AssociationMeasure subclass) and its parameters.  The first rows are the reference
    # measures of docs/evaluation.md section 3.
    # min_support None means MIN_SUPPORT.  "tune": values tried on the validation split inside
    # the training period (training.compute, evaluate_recommendations); the best Recall@10 wins
    # among the settings that list no larger share of rarely bought items than raw
    # co-occurrence does there.
    "RELATED_MEASURES": {
        "co_occurrence": {"class": "recommendations.measures.CoOccurrence",
                          "params": {"min_support": 1}},
        "lift": {"class": "recommendations.measures.Lift", "params": {"min_support": 2}},
        "lift_10": {"class": "recommendations.measures.Lift", "params": {"min_support": 10}},
        "cosine": {"class": "recommendations.measures.Cosine", "params": {"min_support": 1}},
        "llr": {"class": "recommendations.measures.LogLikelihood", "params": {"min_support": 1}},
        "shared_cosine": {"class": "recommendations.measures.SharedCosine",
                          "params": {"min_support": 1}},
        "recent_co_occurrence": {
            "class": "recommendations.measures.RecentCoOccurrence",
            "params": {"half_life_days": 90.0, "size_exponent": 0.25, "rarity_shrinkage": 5.0},
            "tune": {"half_life_days": [90.0, 180.0], "rarity_shrinkage": [0.0, 5.0, 10.0, 20.0]},
        },
    },
    # The measure behind the published "frequently bought together" lists.
    "BOUGHT_TOGETHER_MEASURE": "recent_co_occurrence",
    # Baskets the validation split needs before a measure's "tune" grid is tried; with fewer,
    # its configured parameters are used.
    "MIN_TEST_BASKETS": 50,
    # Superseded (and failed) versions kept, each, besides the current one; older ones go.
    "KEEP_VERSIONS": 3,
    # A training run that has shown no progress for this many seconds is considered dead and
    # no longer blocks the next one.
    "TRAINING_TIMEOUT": 3 * 3600,
    # --- Storefront blocks (blocks.py, templatetags) ------------------------------------------
    # Products per block, and how long a block's candidate list and rendered HTML stay cached
    # (publishing a new version or changing the catalogue renders them afresh: fragments.py).
    "BLOCK_SIZE": 4,
    # False: every block tag renders nothing (a kill switch; the benchmarks compare both).
    "BLOCKS_ENABLED": True,
    "CACHE_SECONDS": 600,
    # Each web process keeps the blocks' HTML and the current version and stamps in its own
    # memory this many seconds before asking the shared cache again (0: ask it on every page).
    # A change made in another process (a version published, a product sold out) reaches this
    # one's pages within that time; changes made in this process at once.
    "FRAGMENT_LOCAL_SECONDS": 5.0,
    # Fragments each web process keeps in its memory (the least recently used go first);
    # read once, when the process starts.
    "FRAGMENT_LOCAL_ENTRIES": 500,
    # Product classes (slug or name) people buy again: products of other classes that the
    # shopper bought before are left out of recommendations ("Buy it again" aside).
    "REBUY_PRODUCT_CLASSES": (),
    # Products viewed or added to the basket this session that steer "Recommended for you",
    # kept in a signed session cookie of this name.
    "SESSION_PRODUCTS": 10,
    # Order lines of products clicked in a block this many days before are credited to it.
    "ATTRIBUTION_DAYS": 7,
    # Each web process adds the impressions it counted (blocks shown, for the click-through
    # rate) to the database at most this often, after a response (impressions.py): a process
    # killed outright loses at most this many seconds of its counts.
    "IMPRESSION_FLUSH_SECONDS": 30.0,
    "RECENT_COOKIE_NAME": "oscar_recent",
    # --- Behaviour tracking -------------------------------------------------------------------
    # Master switch: False records nothing (receivers, API and backfill stay quiet).
    "TRACKING_ENABLED": True,
    # First-party cookie with a random visitor id, set only once something has been recorded.
    "VISITOR_COOKIE_NAME": "oscar_visitor",
    "VISITOR_COOKIE_AGE": 365 * 24 * 3600,
    # Set in a browser whose shopper opted out (also when signed out afterwards).
    "OPT_OUT_COOKIE_NAME": "oscar_tracking_opt_out",
    # Honour the browser's Global Privacy Control (Sec-GPC: 1) and Do Not Track (DNT: 1).
    "HONOUR_GPC": True,
    "HONOUR_DNT": True,
    # Requests whose User-Agent matches one of these (case-insensitive regular expressions)
    # are not recorded.
    "BOT_USER_AGENTS": (
        r"bot\b", r"bot/", r"crawl", r"spider", r"slurp", r"archiver", r"facebookexternalhit",
        r"embedly", r"preview", r"headlesschrome", r"phantomjs", r"python-requests",
        r"python-urllib", r"curl/", r"wget/", r"httpclient", r"monitor", r"pingdom",
        r"uptime", r"lighthouse", r"scrapy",
    ),
    # Query parameter that marks a product link clicked in a recommendation block (its value
    # names the block); such a view is recorded as a recommendation click.
    "SOURCE_PARAMETER": "rec",
    # PostgreSQL: product views and searches commit without waiting for the disk (see
    # tracking.record); False makes every event wait for its flush.
    "ASYNC_COMMIT": True,
    # Events older than this many days are deleted by the purge task; None keeps them forever.
    "RETENTION_DAYS": 730,
    # --- Event API ------------------------------------------------------------------------------
    "API_MAX_BATCH": 100,
    "API_THROTTLE_RATE": "120/min",
    "API_READ_THROTTLE_RATE": "600/min",
    # Timestamps: from OSCAR_INSIGHTS_EARLIEST_DATE to now + OSCAR_INSIGHTS_CLOCK_SKEW_SECONDS
    # (oscar_insights/plausible.py), and within RETENTION_DAYS when it is set.
}


__getattr__ = AppSettings("RECOMMENDATIONS_", DEFAULTS).get
