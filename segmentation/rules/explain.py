def explain_rule(rule, account, *, now):
    raise NotImplementedError
