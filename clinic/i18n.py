"""The languages patients read their summary in: gettext catalogs under clinic/translations/ (Flask-Babel).

English is the source language (the message ids); another language is there when its compiled catalog is
(`clinic/translations/<code>/LC_MESSAGES/messages.mo`): adding one is adding a catalog, no code.
`make translations` extracts the messages, updates the catalogs and compiles them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SOURCE_LANGUAGE = "en"


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """The codes a summary can be printed in: English first, then each compiled catalog."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.mo"))
    return (SOURCE_LANGUAGE,) + tuple(code for code in found if code != SOURCE_LANGUAGE)


def language_name(code: str | None) -> str:
    """'Spanish (español)': the English name for staff, the language's own for the patient beside it."""
    try:
        locale = Locale.parse((code or SOURCE_LANGUAGE).replace("-", "_"))
    except (ValueError, TypeError):  # babel's UnknownLocaleError is a ValueError
        return code or ""
    english, own = locale.get_display_name("en"), locale.get_display_name(code)
    return english if english == own else f"{english} ({own})"


def language_choices() -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in languages()]


def choose_language(requested: str | None, preferred: str | None) -> str:
    """The language to print in: the one asked for (?lang=), else the patient's preferred one, else English;
    a language without a catalog falls back to the next choice."""
    for code in (requested, preferred):
        if code:
            base = code.split("-")[0].lower()
            if base in languages():
                return base
    return SOURCE_LANGUAGE


# The center's patients are in the US: numbers, times and dates are written as in the US in every language
# ("1,000 mg", "100.4 °F", "1:18 p.m." in Spanish too), while the words come from the language's catalog.
REGION = "US"


@lru_cache(maxsize=8)
def formatting_locale(code: str) -> str:
    """The Babel locale that writes numbers, dates and times for `code`: the language as written in the US
    (`es` -> `es_US`) when Babel knows that variant, else the language alone."""
    try:
        return str(Locale.parse(f"{code}_{REGION}"))
    except (ValueError, TypeError):
        return code


@lru_cache(maxsize=8)
def translations(code: str) -> NullTranslations:
    """The compiled catalog of a language (English: the message ids themselves)."""
    if code == SOURCE_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [code], domain="messages")


def init_app(app) -> None:
    """Flask-Babel for the app: the same catalogs; pages stay in English (the staff's language)."""
    from flask_babel import Babel

    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS_DIR))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", SOURCE_LANGUAGE)
    Babel(app, locale_selector=lambda: SOURCE_LANGUAGE)
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.globals["summary_languages"] = language_choices
    app.jinja_env.globals["summary_language"] = lambda preferred: choose_language(None, preferred)
