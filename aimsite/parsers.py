"""The JSON parser for `request.data`, refusing text no database can store.

Its own module, importing nothing of DRF's views: DRF imports the parsers named in
settings while it builds APIView, so a parser module importing the views would be
imported half-made.
"""

import orjson
from rest_framework import exceptions, parsers

from aimsite.text import find_unstorable_text


def refuse_unstorable_json(data: object) -> None:
    """Raise ParseError when a decoded body holds a lone surrogate (see aimsite.text).

    NUL characters are left to the validators: some fields refuse them, terminal
    output drops them.
    """
    try:
        # orjson refuses to encode lone surrogates, in C: a fast check of the whole
        # tree, walked in Python only to say where when it fails.
        orjson.dumps(data)
    except TypeError:
        found = find_unstorable_text(data, "body", allow_nul=True)
        if found is not None:
            where, problem = found
            raise exceptions.ParseError(f"{where} {problem}") from None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser (`request.data`), refusing lone surrogates."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        refuse_unstorable_json(data)
        return data
