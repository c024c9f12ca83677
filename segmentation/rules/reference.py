def evaluate_rule(rule, record, *, now):
    raise NotImplementedError
