def validate_rule(rule, *, object_type="accounts"):
    raise NotImplementedError
