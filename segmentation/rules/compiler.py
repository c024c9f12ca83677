def compile_rule(rule, *, object_type="accounts", now=None):
    raise NotImplementedError
