"""Language item names -> ISO 639-1 codes (SPEC R-SZ-2). Pure.

Sessionize language categories hold free item names ("English", "Deutsch", "Français 🇫🇷").
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_ISO_639_1_CODES: Final = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
    "ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks "
    "ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl "
    "nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl "
    "sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve "
    "vi vo wa wo xh yi yo za zh zu"
)
_ISO_639_1: Final = frozenset(_ISO_639_1_CODES.split())

# Each code: its English name, its own name(s) and common spellings in other languages.
_LANGUAGE_NAMES: Final[dict[str, str]] = {
    "en": (
        "english|englisch|anglais|inglés|ingles|inglese|engels|angielski|engelsk|englanti|"
        "angličtina|英語|英语|英文|англійська|английский"
    ),
    "de": (
        "german|deutsch|allemand|alemán|aleman|tedesco|duits|niemiecki|tysk|saksa|němčina|"
        "ドイツ語|德语|德語|німецька|немецкий"
    ),
    "fr": (
        "french|français|francais|französisch|francés|frances|francese|frans|francuski|"
        "franska|fransk|ranska|francouzština|フランス語|法语|法語|французька|французский"
    ),
    "es": (
        "spanish|español|espanol|castellano|spanisch|espagnol|spagnolo|spaans|hiszpański|"
        "spanska|spansk|espanja|španělština|スペイン語|西班牙语|іспанська|испанский"
    ),
    "it": (
        "italian|italiano|italienisch|italien|italiaans|włoski|italienska|italiensk|"
        "italia|italština|イタリア語|意大利语"
    ),
    "nl": (
        "dutch|nederlands|niederländisch|néerlandais|neerlandés|olandese|flemish|vlaams|holenderski"
    ),
    "pt": (
        "portuguese|português|portugues|portugiesisch|portugais|portugués|portoghese|"
        "portugees|portugalski"
    ),
    "pl": "polish|polski|polnisch|polonais|polaco|polacco|pools",
    "sv": "swedish|svenska|schwedisch|suédois|sueco|svedese|zweeds",
    "da": "danish|dansk|dänisch|danois|danés|danese|deens",
    "no": "norwegian|norsk|norwegisch|norvégien|noruego|norvegese|noors",
    "nb": "norwegian bokmål|norwegian bokmal|bokmål|bokmal|norsk bokmål",
    "nn": "norwegian nynorsk|nynorsk|norsk nynorsk",
    "fi": "finnish|suomi|finnisch|finnois|finlandés|finlandese|fins",
    "cs": "czech|čeština|cestina|tschechisch|tchèque|checo|ceco|tsjechisch",
    "ja": "japanese|日本語|japanisch|japonais|japonés|giapponese|japans",
    "zh": (
        "chinese|中文|汉语|漢語|普通话|普通話|华语|華語|"
        "mandarin|mandarin chinese|chinesisch|chinois|chino|cinese|chinees"
    ),
    "uk": "ukrainian|українська|ukrainisch|ukrainien|ucraniano|ucraino|oekraïens",
    "ru": "russian|русский|russisch|russe|ruso|russo",
    "ko": "korean|한국어|koreanisch|coréen|coreano",
    "ar": "arabic|العربية|arabisch|arabe|árabe|arabo",
    "hi": "hindi|हिन्दी|हिंदी",
    "tr": "turkish|türkçe|turkce|türkisch|turc|turco",
    "el": "greek|ελληνικά|griechisch|grec|griego|greco",
    "hu": "hungarian|magyar|ungarisch|hongrois|húngaro|ungherese",
    "ro": "romanian|română|romana|rumänisch|roumain|rumano|rumeno",
    "he": "hebrew|עברית|hebräisch|hébreu|hebreo|ebraico",
    "et": "estonian|eesti|estnisch",
    "lv": "latvian|latviešu|lettisch",
    "lt": "lithuanian|lietuvių|litauisch",
    "sk": "slovak|slovenčina|slowakisch",
    "sl": "slovenian|slovene|slovenščina|slowenisch",
    "hr": "croatian|hrvatski|kroatisch",
    "sr": "serbian|srpski|српски|serbisch",
    "bg": "bulgarian|български|bulgarisch",
    "is": "icelandic|íslenska|isländisch",
    "ga": "irish|gaeilge|irish gaelic",
    "cy": "welsh|cymraeg|walisisch",
    "ca": "catalan|català|catala|katalanisch",
    "eu": "basque|euskara|baskisch",
    "gl": "galician|galego|galicisch",
    "lb": "luxembourgish|lëtzebuergesch|luxemburgisch",
    "vi": "vietnamese|tiếng việt|vietnamesisch",
    "th": "thai|ไทย|ภาษาไทย|thailändisch",
    "id": "indonesian|bahasa indonesia|indonesisch",
    "ms": "malay|bahasa melayu|malaiisch",
    "fa": "persian|farsi|فارسی|persisch",
    "ur": "urdu|اردو",
    "bn": "bengali|bangla|বাংলা",
    "ta": "tamil|தமிழ்",
    "af": "afrikaans",
    "sw": "swahili|kiswahili",
}


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


_LANGUAGE_BY_NAME: Final[dict[str, str]] = {
    _fold(name): code for code, names in _LANGUAGE_NAMES.items() for name in names.split("|")
}
_PARENS_RE: Final = re.compile(r"\s*[(\[].*?[)\]]\s*")
_LOCALE_RE: Final = re.compile(r"([a-z]{2})(?:[-_][a-z0-9]{2,8})*")


def language_code(name: str) -> str | None:
    """ISO 639-1 code of a language item name (`English` -> `en`, `Deutsch` -> `de`).

    Case-insensitive; a 2-letter ISO code (or a locale such as `en-GB`) passes through as its
    lowercase language part; a parenthesised remark and flags or punctuation around the name are
    ignored ("English (UK) 🇬🇧"). Unknown names give None.
    """
    folded = _fold(name)
    candidates = [folded, _fold(_PARENS_RE.sub(" ", folded))]
    for candidate in list(candidates):
        stripped = "".join(
            ch for ch in candidate if unicodedata.category(ch)[0] in "LMN" or ch in " -_"
        ).strip(" -_")
        candidates.append(" ".join(stripped.split()))
    for candidate in candidates:
        if not candidate:
            continue
        code = _LANGUAGE_BY_NAME.get(candidate)
        if code is not None:
            return code
        locale = _LOCALE_RE.fullmatch(candidate)
        if locale and locale.group(1) in _ISO_639_1:
            return locale.group(1)
    return None


__all__ = ["language_code"]
