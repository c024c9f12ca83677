"""A propensity model beside the rule-based ICP score: logistic regression on won and lost deals.

The model (scikit-learn) learns from the deals closed in a period, using the
account's firmographics and engagement as they are today. A quarter of the
deals, stratified by outcome, is held out, and the model's AUC on them is
shown beside the AUC of the rule-based ICP score on the same deals. The suggested
weights are the coefficients on standardized features, so their sizes
compare across features.

NOTE: account attributes are read as they are now, not as they were when
each deal was created, so engagement that followed a deal can flatter both
AUCs. Read the weights as hints for the ICP criteria, not as causes.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils import timezone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from segmentation.scoring import scoring_select

from .kpis.queries import ACCOUNT_TABLE, OPPORTUNITY_TABLE, fetch_frame

HOLD_OUT_SHARE = 0.25
MIN_DEALS_PER_OUTCOME = 20
MAX_DEALS = 200_000
TOP_CATEGORIES = 12
RANDOM_STATE = 0
NUMERIC_FEATURES = ["employee_count", "annual_revenue", "engagement_score", "strategic_value", "health_score"]
LOGGED = {"employee_count", "annual_revenue"}
CATEGORICAL_FEATURES = ["industry", "region", "ownership_type"]


@dataclass
class Propensity:
    deals: int
    held_out: int
    model_auc: float
    rule_auc: float | None
    weights: list  # (feature, coefficient) by decreasing size
    rule_label: str


class NotEnoughDeals(ValueError):
    """Too few won or lost deals to fit and test a model; the message gives the counts."""


def _deals(period, model):
    start, end = period.start.isoformat(), period.end.isoformat()
    columns = ", ".join(f"a.{name}" for name in NUMERIC_FEATURES + CATEGORICAL_FEATURES)
    if model is None:
        score_join, score = "", "a.icp_score"
        params = []
    else:
        now = timezone.now()
        sql, params = scoring_select(model, list(model.criteria.all()), now=now, today=timezone.localdate(now))
        score_join, score = f"JOIN ({sql}) s ON s.account_id = a.id", "s.score"
    return fetch_frame(
        f"SELECT CASE WHEN o.status = 'won' THEN 1 ELSE 0 END AS won, a.in_market AS in_market, {columns}, "
        f"{score} AS rule_score FROM {OPPORTUNITY_TABLE} o JOIN {ACCOUNT_TABLE} a ON a.id = o.account_id {score_join} "
        f"WHERE o.status IN ('won', 'lost') AND o.closed_date BETWEEN '{start}' AND '{end}' "
        f"ORDER BY o.id LIMIT {MAX_DEALS}",
        params,
    )


def _features(frame):
    features = pd.DataFrame(index=frame.index)
    for name in NUMERIC_FEATURES:
        values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        features[f"{name} missing"] = values.isna().astype(float)
        filled = values.fillna(values.median() if values.notna().any() else 0.0)
        if name in LOGGED:
            features[f"log {name}"] = np.log1p(filled.clip(lower=0))
        else:
            features[name] = filled
    features["in market"] = frame["in_market"].astype(float)
    for name in CATEGORICAL_FEATURES:
        values = frame[name].fillna("").replace("", "(empty)")
        for category in values.value_counts().index[:TOP_CATEGORIES]:
            features[f"{name} = {category}"] = (values == category).astype(float)
    # A column that never varies carries no information and breaks scaling.
    return features.loc[:, features.std() > 0]


def propensity_fit(*, period, model=None):
    """Fit the model on the period's closed deals and compare its held-out AUC with the ICP score's."""
    frame = _deals(period, model)
    won = int(frame["won"].sum()) if not frame.empty else 0
    lost = len(frame) - won
    if won < MIN_DEALS_PER_OUTCOME or lost < MIN_DEALS_PER_OUTCOME:
        raise NotEnoughDeals(
            f"A propensity model needs at least {MIN_DEALS_PER_OUTCOME} won and {MIN_DEALS_PER_OUTCOME} lost deals "
            f"in the period; it has {won} won and {lost} lost. Choose a longer period."
        )

    features = _features(frame)
    train_x, test_x, train_y, test_y, _, test_rule = train_test_split(
        features, frame["won"], frame["rule_score"], test_size=HOLD_OUT_SHARE, stratify=frame["won"],
        random_state=RANDOM_STATE,
    )
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    pipeline.fit(train_x, train_y)

    model_auc = float(roc_auc_score(test_y, pipeline.predict_proba(test_x)[:, 1]))
    rule_scores = pd.to_numeric(test_rule, errors="coerce")
    rule_auc = None
    if rule_scores.notna().any():
        # Accounts the model never scored rank below every scored one.
        rule_auc = float(roc_auc_score(test_y, rule_scores.fillna(-1)))

    coefficients = pipeline[-1].coef_[0]
    weights = sorted(zip(features.columns, coefficients), key=lambda pair: -abs(pair[1]))
    return Propensity(
        deals=len(frame),
        held_out=len(test_y),
        model_auc=model_auc,
        rule_auc=rule_auc,
        weights=[(name, float(value)) for name, value in weights],
        rule_label=str(model) if model is not None else "Published ICP score",
    )
