"""SQLite before 3.44 lacks STRING_AGG(x, sep); add it so the scoring SQL is the same on both databases."""


class _StringAgg:
    def __init__(self):
        self.parts = []
        self.sep = ","

    def step(self, value, sep):
        if value is not None:
            self.parts.append(str(value))
            self.sep = sep

    def finalize(self):
        return self.sep.join(self.parts) if self.parts else None


def add_string_agg(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_aggregate("STRING_AGG", 2, _StringAgg)
