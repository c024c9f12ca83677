"""SQL expressions the rule compiler needs beyond Django's built-in ones.

Each has a PostgreSQL form and a SQLite form. On SQLite, text is folded by
a Python function registered on every connection (see register_sqlite_functions),
because SQLite's own LOWER() folds only ASCII letters. Every value a user
typed reaches SQL as a bound parameter.
"""

from django.db.models import BooleanField, CharField, Expression

from .values import WHITESPACE, normalize_text

SQLITE_NORMALIZE_FUNCTION = "tierline_normalize_text"

# WHITESPACE as a PostgreSQL escape string literal; it is a constant, never user input.
_POSTGRESQL_WHITESPACE = "E'" + "".join(f"\\x{ord(char):02x}" for char in WHITESPACE) + "'"


def _sqlite_normalize_text(value):
    if value is None:
        return None
    return normalize_text(str(value))


def register_sqlite_functions(sender, connection, **kwargs):
    """Add the text normalization function to each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_NORMALIZE_FUNCTION, 1, _sqlite_normalize_text, deterministic=True)


def _normalize_sql(sql, vendor):
    if vendor == "sqlite":
        return f"{SQLITE_NORMALIZE_FUNCTION}({sql})"
    return f"LOWER(BTRIM({sql}, {_POSTGRESQL_WHITESPACE}))"


class _OverOneExpression(Expression):
    """An expression computed from one source expression, such as a column."""

    def __init__(self, expression):
        super().__init__()
        self.expression = expression

    def get_source_expressions(self):
        return [self.expression]

    def set_source_expressions(self, expressions):
        (self.expression,) = expressions


class NormalizedText(_OverOneExpression):
    """A text value without surrounding white space, in lower case; NULL stays NULL."""

    output_field = CharField()

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        return _normalize_sql(sql, connection.vendor), params


class JsonText(_OverOneExpression):
    """The text under a key of a JSON object column; NULL when the key is absent or not a string."""

    output_field = CharField()

    def __init__(self, expression, key):
        super().__init__(expression)
        self.key = key

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        if connection.vendor == "sqlite":
            path = f'$."{self.key}"'
            return (
                f"(CASE WHEN json_type({sql}, %s) = 'text' THEN json_extract({sql}, %s) END)",
                (*params, path, *params, path),
            )
        return (
            f"(CASE WHEN jsonb_typeof({sql} -> %s) = 'string' THEN ({sql} ->> %s) END)",
            (*params, self.key, *params, self.key),
        )


class TagsMatch(_OverOneExpression):
    """A condition on a JSON list column of tags, compared as normalized text.

    Mode "any" is true when any of the values is among the tags. Mode "empty"
    is true when the column contains no non-blank string (it is missing, not
    a list, an empty list, or a list of blanks). Only string elements count as
    tags. The result is never NULL, so NOT gives the exact complement.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, expression, mode, values=()):
        super().__init__(expression)
        self.mode = mode
        self.values = [normalize_text(value) for value in values]

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.expression)
        vendor = connection.vendor
        if vendor == "sqlite":
            is_array = f"json_type({sql}) = 'array'"
            elements = f"json_each({sql}) AS tag"
            is_string = "tag.type = 'text'"
            tag_text = _normalize_sql("tag.value", vendor)
        else:
            is_array = f"jsonb_typeof({sql}) = 'array'"
            # The elements as text, with their positions: the type of an
            # element is looked up only for one whose text matches, which
            # costs less than reading every element as jsonb.
            elements = f"jsonb_array_elements_text({sql}) WITH ORDINALITY AS tag(value, position)"
            is_string = f"jsonb_typeof({sql} -> (tag.position::int - 1)) = 'string'"
            tag_text = _normalize_sql("tag.value", vendor)
        if self.mode == "empty":
            match, match_params = f"{tag_text} <> ''", ()
            when_array = f"NOT EXISTS (SELECT 1 FROM {elements} WHERE {match} AND {is_string})"
            otherwise = "TRUE" if vendor != "sqlite" else "1"
        else:
            placeholders = ", ".join(["%s"] * len(self.values))
            match, match_params = f"{tag_text} IN ({placeholders})", tuple(self.values)
            when_array = f"EXISTS (SELECT 1 FROM {elements} WHERE {match} AND {is_string})"
            otherwise = "FALSE" if vendor != "sqlite" else "0"
        # CASE keeps the element functions away from values that are not
        # lists, on which PostgreSQL's jsonb_array_elements_text raises an error.
        condition = f"(CASE WHEN {is_array} THEN {when_array} ELSE {otherwise} END)"
        condition_params = (*params, *params, *match_params)
        if vendor == "postgresql":
            # The type check after the match refers to the column once more.
            condition_params = (*condition_params, *params)
        if vendor == "postgresql" and self.mode == "any" and all(map(_printed_verbatim, self.values)):
            # A cheap necessary condition first: a list holds a matching tag
            # only if its JSON text, in lower case, contains the tag. It skips
            # the per-element work for most rows.
            patterns = [f"%{_escape_like(value)}%" for value in self.values]
            any_pattern = ", ".join(["%s"] * len(patterns))
            condition = f"(LOWER(({sql})::text) LIKE ANY (ARRAY[{any_pattern}]) AND {condition})"
            condition_params = (*params, *patterns, *condition_params)
        return condition, condition_params


def _printed_verbatim(text):
    """Return True when PostgreSQL prints text unchanged inside a jsonb value's text form.

    jsonb output escapes only double quotes, backslashes and control
    characters below U+0020; every other character appears as itself.
    """
    return all(char not in '"\\' and char >= " " for char in text)


def _escape_like(text):
    return text.replace("%", "\\%").replace("_", "\\_")
