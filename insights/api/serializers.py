"""Output shapes of the insights API, for the OpenAPI schema and for rendering."""

from rest_framework import serializers

from accounts.models import Account


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class DefinitionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.ChoiceField(choices=["count", "money", "percent", "days", "hours"])
    definition = serializers.CharField()


class KpiRowSerializer(serializers.Serializer):
    group_key = serializers.CharField(help_text="Segment id, tier (0 for not ICP), play id, unassigned or total.")
    group = serializers.CharField()
    row_kind = serializers.ChoiceField(choices=["group", "unassigned", "total"])
    values = serializers.DictField(child=serializers.FloatField(allow_null=True), help_text="KPI key to value; null when undefined.")
    samples = serializers.DictField(child=serializers.IntegerField(), help_text="KPI key to the number of records behind it.")
    accounts = serializers.DictField(child=serializers.URLField(), help_text="KPI key to the URL of the accounts behind it.")


class KpiTableSerializer(serializers.Serializer):
    grouping = serializers.CharField()
    basis = serializers.CharField()
    period = PeriodSerializer()
    currency = serializers.CharField(help_text="ISO 4217 code every money value is converted into.")
    notes = serializers.ListField(child=serializers.CharField())
    definitions = DefinitionSerializer(many=True)
    results = KpiRowSerializer(many=True)


class DrilldownAccountSerializer(serializers.ModelSerializer):
    class Meta:
        model = Account
        fields = ["id", "external_id", "name", "domain", "industry", "country", "icp_tier", "icp_score", "lifecycle_stage"]


class TierOutcomeSerializer(serializers.Serializer):
    tier = serializers.CharField()
    tier_key = serializers.CharField()
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    win_rate_low = serializers.FloatField(allow_null=True)
    win_rate_high = serializers.FloatField(allow_null=True)
    deals_sized = serializers.IntegerField()
    avg_deal_size = serializers.FloatField(allow_null=True)
    deal_size_low = serializers.FloatField(allow_null=True)
    deal_size_high = serializers.FloatField(allow_null=True)
    cycles = serializers.IntegerField()
    cycle_days = serializers.FloatField(allow_null=True)
    cycle_low = serializers.FloatField(allow_null=True)
    cycle_high = serializers.FloatField(allow_null=True)


class ComparisonSerializer(serializers.Serializer):
    upper = serializers.CharField()
    lower = serializers.CharField()
    p_value = serializers.FloatField(allow_null=True, help_text="Fisher's exact test on won and lost counts.")
    upper_wins_more = serializers.BooleanField(allow_null=True)


class WeightSerializer(serializers.Serializer):
    feature = serializers.CharField()
    weight = serializers.FloatField(help_text="Logistic regression coefficient on the standardized feature.")


class PropensitySerializer(serializers.Serializer):
    deals = serializers.IntegerField()
    held_out = serializers.IntegerField()
    model_auc = serializers.FloatField(help_text="AUC of the logistic regression on the held-out deals.")
    rule_auc = serializers.FloatField(allow_null=True, help_text="AUC of the rule-based ICP score on the same deals.")
    rule_label = serializers.CharField()
    weights = WeightSerializer(many=True)


class BacktestSerializer(serializers.Serializer):
    label = serializers.CharField()
    period = PeriodSerializer()
    currency = serializers.CharField()
    intervals = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    tiers = TierOutcomeSerializer(many=True)
    comparisons = ComparisonSerializer(many=True)
    propensity = PropensitySerializer(allow_null=True)


class OverlapSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    members = serializers.IntegerField()


class OverlapPairSerializer(serializers.Serializer):
    first = serializers.CharField()
    second = serializers.CharField()
    shared_members = serializers.IntegerField()
    jaccard = serializers.FloatField()


class OverlapSerializer(serializers.Serializer):
    segments = OverlapSegmentSerializer(many=True)
    pairs = OverlapPairSerializer(many=True)


class VerdictSerializer(serializers.Serializer):
    segment = serializers.CharField()
    name = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["keep", "review", "retire"])
    plays = serializers.ListField(child=serializers.CharField())
    closed_deals = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True)
    baseline_win_rate = serializers.FloatField(allow_null=True)
    win_rate_p = serializers.FloatField(allow_null=True)
    win_rate_p_adjusted = serializers.FloatField(allow_null=True)
    avg_deal_size = serializers.FloatField(allow_null=True)
    baseline_deal_size = serializers.FloatField(allow_null=True)
    deal_size_p = serializers.FloatField(allow_null=True)
    deal_size_p_adjusted = serializers.FloatField(allow_null=True)
    closest_segment = serializers.CharField(allow_null=True)
    closest_jaccard = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class VerdictsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    method = serializers.CharField()
    results = VerdictSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.FloatField(allow_null=True)


class TrendSeriesSerializer(serializers.Serializer):
    group = serializers.CharField()
    points = TrendPointSerializer(many=True)


class TrendSerializer(serializers.Serializer):
    grouping = serializers.CharField()
    kpi = serializers.CharField()
    series = TrendSeriesSerializer(many=True)
