"""Synthetic names for synthetic children, in the naming customs of their nationality.

Nothing here is a real person. Where Faker has a person provider for the child's country and
language, its seeded instance draws the name; where it has none, or only names in a script
Visible cannot turn back into a usable Latin spelling, a small list written for this module
is used instead.

Why not Faker for everything: Faker's `fa_IR` and `ar_*` locales give names only in Arabic
script, and folding an abjad to ASCII drops the vowels (anyascii turns "محمد" into "mhmd"), so
they cannot supply the Latin-script name a council records. For those languages the lists
below pair a common Latin spelling with the same name in its own script, which is then kept
as an `own_script` other name. Faker's `sq_AL` and `am_ET` have no person names at all (they
fall back to American ones), hence the Albanian and Ethiopian lists.

Cyrillic (Bulgarian, Ukrainian) and Chinese names do fold well, so Faker draws them in their
own script and the Latin spelling is their anyascii transliteration.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from functools import cached_property

from anyascii import anyascii
from faker import Faker
from faker.providers.person.en_GB import Provider as BritishNames

from .patterns import Weighted

CASE_WORKERS = 6  # the synthetic staff of each authority who record its generated children


@dataclass(frozen=True)
class DrawnName:
    given: str  # Latin script, as a council would record it
    family: str  # may be empty (some Afghan children give one name only)
    own_script: str = ""  # the whole name in its own script, when it has one
    other_spelling: str = ""  # e.g. the name with its diacritics, when the main one has none


# --- lists written for this module -------------------------------------------------------
# Each is a plain list of common names in that community. Pairs are (Latin, own script).

_PERSIAN_MALE = [
    ("Ahmad", "احمد"),
    ("Mohammad", "محمد"),
    ("Ali", "علی"),
    ("Hamid", "حمید"),
    ("Jawad", "جواد"),
    ("Mustafa", "مصطفی"),
    ("Farid", "فرید"),
    ("Rahim", "رحیم"),
    ("Karim", "کریم"),
    ("Nasir", "ناصر"),
    ("Omid", "امید"),
    ("Sohail", "سهیل"),
    ("Idris", "ادریس"),
    ("Bilal", "بلال"),
    ("Khalid", "خالد"),
    ("Wahid", "وحید"),
    ("Massoud", "مسعود"),
    ("Shafiq", "شفیق"),
    ("Reza", "رضا"),
    ("Hossein", "حسین"),
    ("Amir", "امیر"),
    ("Mehdi", "مهدی"),
    ("Yusuf", "یوسف"),
    ("Murtaza", "مرتضی"),
    ("Sajad", "سجاد"),
    ("Zabihullah", "ذبیح‌الله"),
    ("Rahmatullah", "رحمت‌الله"),
    ("Hasibullah", "حسیب‌الله"),
    ("Ibrahim", "ابراهیم"),
    ("Jamshid", "جمشید"),
]
_PERSIAN_FEMALE = [
    ("Mariam", "مریم"),
    ("Zahra", "زهرا"),
    ("Fatima", "فاطمه"),
    ("Parisa", "پریسا"),
    ("Nilofar", "نیلوفر"),
    ("Shabnam", "شبنم"),
    ("Farzana", "فرزانه"),
    ("Sahar", "سحر"),
    ("Laila", "لیلا"),
    ("Sara", "سارا"),
    ("Nazanin", "نازنین"),
    ("Shirin", "شیرین"),
    ("Masuma", "معصومه"),
    ("Roya", "رویا"),
]
_AFGHAN_FAMILY = [
    ("Ahmadi", "احمدی"),
    ("Rahimi", "رحیمی"),
    ("Hakimi", "حکیمی"),
    ("Karimi", "کریمی"),
    ("Noori", "نوری"),
    ("Sultani", "سلطانی"),
    ("Stanikzai", "ستانکزی"),
    ("Popal", "پوپل"),
    ("Safi", "صافی"),
    ("Mohammadi", "محمدی"),
    ("Hussaini", "حسینی"),
    ("Amiri", "امیری"),
    ("Jalali", "جلالی"),
    ("Wardak", "وردک"),
    ("Haidari", "حیدری"),
    ("Nazari", "نظری"),
    ("Azizi", "عزیزی"),
    ("Sharifi", "شریفی"),
    ("Niazi", "نیازی"),
    ("Durrani", "درانی"),
    ("Khan", "خان"),
    ("Sadat", "سادات"),
]
_IRANIAN_FAMILY = [
    ("Hosseini", "حسینی"),
    ("Mohammadi", "محمدی"),
    ("Rezaei", "رضایی"),
    ("Jafari", "جعفری"),
    ("Karimi", "کریمی"),
    ("Moradi", "مرادی"),
    ("Ahmadi", "احمدی"),
    ("Sadeghi", "صادقی"),
    ("Rahimi", "رحیمی"),
    ("Ghasemi", "قاسمی"),
    ("Kazemi", "کاظمی"),
    ("Mousavi", "موسوی"),
    ("Heidari", "حیدری"),
    ("Ebrahimi", "ابراهیمی"),
    ("Zamani", "زمانی"),
    ("Akbari", "اکبری"),
]
_ARABIC_MALE = [
    ("Mohamed", "محمد"),
    ("Ahmed", "أحمد"),
    ("Omar", "عمر"),
    ("Khalid", "خالد"),
    ("Yousef", "يوسف"),
    ("Ibrahim", "إبراهيم"),
    ("Abdelrahman", "عبد الرحمن"),
    ("Mustafa", "مصطفى"),
    ("Hassan", "حسن"),
    ("Hussein", "حسين"),
    ("Ali", "علي"),
    ("Adam", "آدم"),
    ("Osman", "عثمان"),
    ("Mahmoud", "محمود"),
    ("Karim", "كريم"),
    ("Tarek", "طارق"),
    ("Amir", "أمير"),
    ("Bilal", "بلال"),
    ("Hamza", "حمزة"),
    ("Ayman", "أيمن"),
    ("Abdullah", "عبد الله"),
    ("Salah", "صلاح"),
    ("Yahya", "يحيى"),
    ("Musa", "موسى"),
    ("Anas", "أنس"),
    ("Majid", "ماجد"),
    ("Abbas", "عباس"),
    ("Haider", "حيدر"),
]
_ARABIC_FEMALE = [
    ("Fatima", "فاطمة"),
    ("Aisha", "عائشة"),
    ("Mariam", "مريم"),
    ("Noor", "نور"),
    ("Amal", "أمل"),
    ("Huda", "هدى"),
    ("Salma", "سلمى"),
    ("Rania", "رانيا"),
    ("Yasmin", "ياسمين"),
    ("Hiba", "هبة"),
    ("Zainab", "زينب"),
    ("Asma", "أسماء"),
    ("Rahma", "رحمة"),
]
_ARABIC_FAMILY = [
    ("Abdallah", "عبد الله"),
    ("Hassan", "حسن"),
    ("Ibrahim", "إبراهيم"),
    ("Osman", "عثمان"),
    ("Mohamed", "محمد"),
    ("Adam", "آدم"),
    ("Idris", "إدريس"),
    ("Yousif", "يوسف"),
    ("Khalil", "خليل"),
    ("Haddad", "حداد"),
    ("Saleh", "صالح"),
    ("Darwish", "درويش"),
    ("Hamdan", "حمدان"),
    ("Mansour", "منصور"),
    ("Nasser", "ناصر"),
    ("Suleiman", "سليمان"),
    ("Mahmoud", "محمود"),
    ("Musa", "موسى"),
    ("Ishag", "إسحاق"),
    ("Jassim", "جاسم"),
    ("Kadhim", "كاظم"),
    ("Salman", "سلمان"),
    ("Abdelaziz", "عبد العزيز"),
    ("Gamal", "جمال"),
]
_KURDISH_MALE = [
    "Rebwar",
    "Karwan",
    "Hiwa",
    "Dler",
    "Aram",
    "Shvan",
    "Zana",
    "Sherwan",
    "Hemin",
    "Rawand",
    "Kawa",
    "Bakhtiar",
    "Soran",
    "Azad",
    "Dilshad",
    "Ranj",
    "Hawre",
    "Alan",
    "Shakar",
    "Baran",
]
_KURDISH_FEMALE = [
    "Shilan",
    "Nasrin",
    "Zhila",
    "Rezan",
    "Hana",
    "Berivan",
    "Dilan",
    "Jwan",
    "Lana",
    "Nyan",
]
_KURDISH_FAMILY = [
    "Ahmed",
    "Mahmoud",
    "Rasul",
    "Karim",
    "Aziz",
    "Qadir",
    "Hama",
    "Salih",
    "Omer",
    "Mustafa",
    "Abdullah",
    "Hussein",
    "Faraj",
    "Rashid",
    "Ali",
    "Hasan",
]
_TIGRINYA_MALE = [
    "Yonas",
    "Dawit",
    "Filmon",
    "Robel",
    "Habtom",
    "Kibrom",
    "Merhawi",
    "Samuel",
    "Tesfaldet",
    "Yohannes",
    "Mebrahtu",
    "Tedros",
    "Aron",
    "Biniam",
    "Nahom",
    "Henok",
    "Amanuel",
    "Mussie",
    "Simon",
    "Yemane",
    "Efrem",
    "Senay",
]
_TIGRINYA_FEMALE = [
    "Helen",
    "Selam",
    "Semhar",
    "Luwam",
    "Senait",
    "Rahel",
    "Saba",
    "Feven",
    "Yordanos",
    "Hiwet",
    "Winta",
    "Eden",
    "Ruta",
    "Mebrat",
    "Delina",
    "Milen",
]
# Eritreans carry their father's given name, not a family name.
_TIGRINYA_FAMILY = [
    "Tesfay",
    "Gebremedhin",
    "Haile",
    "Tekle",
    "Berhane",
    "Ghebreyesus",
    "Kidane",
    "Mehari",
    "Weldemichael",
    "Abraha",
    "Asmerom",
    "Hagos",
    "Kahsay",
    "Negash",
    "Yohannes",
    "Zerai",
    "Tewelde",
    "Gebru",
    "Okbay",
    "Araya",
]
_ETHIOPIAN_MALE = [
    "Abebe",
    "Dawit",
    "Yonatan",
    "Bereket",
    "Natnael",
    "Abdi",
    "Chala",
    "Gemechu",
    "Lemma",
    "Tadesse",
    "Bekele",
    "Kebede",
    "Ermias",
    "Kaleb",
    "Biruk",
    "Mulugeta",
    "Tamirat",
]
_ETHIOPIAN_FEMALE = [
    "Hiwot",
    "Meron",
    "Bethlehem",
    "Tigist",
    "Selamawit",
    "Kidist",
    "Liya",
    "Hana",
    "Sifan",
    "Almaz",
    "Mahlet",
    "Ebise",
]
_ETHIOPIAN_FAMILY = [
    "Bekele",
    "Tadesse",
    "Girma",
    "Alemu",
    "Mekonnen",
    "Tesfaye",
    "Abebe",
    "Wolde",
    "Desta",
    "Hailu",
    "Gemechu",
    "Tolera",
    "Negash",
    "Ayele",
    "Fikadu",
    "Gudeta",
]
_ALBANIAN_MALE = [
    "Ardit",
    "Arben",
    "Besart",
    "Dritan",
    "Elvis",
    "Endrit",
    "Erion",
    "Fation",
    "Gentian",
    "Klajdi",
    "Kristi",
    "Marsel",
    "Orges",
    "Rei",
    "Sokol",
    "Klevis",
    "Ermal",
    "Alban",
    "Denis",
    "Jurgen",
    "Eriseld",
    "Xhuljano",
    "Arlind",
    "Enea",
    "Ledio",
    "Aldo",
]
_ALBANIAN_FEMALE = [
    "Ana",
    "Arta",
    "Elira",
    "Enkeleda",
    "Ermira",
    "Jonida",
    "Klea",
    "Megi",
    "Sara",
    "Xhesika",
    "Anisa",
    "Ajola",
    "Dea",
    "Kejsi",
]
_ALBANIAN_FAMILY = [
    "Hoxha",
    "Shehu",
    "Gjoni",
    "Leka",
    "Krasniqi",
    "Dervishi",
    "Prifti",
    "Kola",
    "Marku",
    "Duka",
    "Basha",
    "Cela",
    "Mema",
    "Hysa",
    "Zeneli",
    "Brahimi",
    "Lika",
    "Dedja",
    "Gjika",
    "Berisha",
    "Bregu",
    "Muca",
    "Tafa",
    "Kurti",
]
_SOMALI_MALE = [
    "Mohamed",
    "Abdi",
    "Abdirahman",
    "Ahmed",
    "Hassan",
    "Ali",
    "Yusuf",
    "Abdullahi",
    "Mahad",
    "Liban",
    "Omar",
    "Farah",
    "Guled",
    "Said",
    "Bashir",
    "Mukhtar",
]
_SOMALI_FEMALE = [
    "Hodan",
    "Ayaan",
    "Amina",
    "Fadumo",
    "Hibo",
    "Sagal",
    "Nimco",
    "Ifrah",
    "Ladan",
    "Deeqa",
    "Sahra",
    "Faduma",
    "Hamdi",
]
_SOMALI_FAMILY = [
    "Ali",
    "Hassan",
    "Mohamed",
    "Abdi",
    "Farah",
    "Warsame",
    "Jama",
    "Osman",
    "Hersi",
    "Aden",
    "Ismail",
    "Nur",
    "Guled",
    "Egal",
    "Dahir",
    "Yusuf",
]
_BANGLADESHI_MALE = [
    "Mohammed",
    "Abdul",
    "Rafiq",
    "Sabbir",
    "Tanvir",
    "Imran",
    "Shakil",
    "Rakib",
    "Arif",
    "Jahid",
    "Sohel",
    "Nayeem",
]
_BANGLADESHI_FEMALE = [
    "Nusrat",
    "Fatema",
    "Sadia",
    "Taslima",
    "Ruma",
    "Tania",
    "Sumaiya",
    "Jannat",
    "Mim",
]
_BANGLADESHI_FAMILY = [
    "Rahman",
    "Hossain",
    "Islam",
    "Ahmed",
    "Uddin",
    "Miah",
    "Chowdhury",
    "Khan",
    "Ali",
    "Akter",
    "Sarker",
    "Das",
]
_SHONA_MALE = [
    "Tendai",
    "Tatenda",
    "Farai",
    "Tinashe",
    "Takudzwa",
    "Kudakwashe",
    "Tafadzwa",
    "Tapiwa",
]
_SHONA_FEMALE = ["Nyasha", "Rutendo", "Chipo", "Rumbidzai", "Tariro", "Vimbai", "Ruvimbo", "Tsitsi"]
_SHONA_FAMILY = [
    "Moyo",
    "Ncube",
    "Sibanda",
    "Dube",
    "Chikwanha",
    "Mutasa",
    "Nyathi",
    "Mhlanga",
    "Chiweshe",
]
_GUINEAN_MALE = [
    "Mamadou",
    "Ibrahima",
    "Alpha",
    "Ousmane",
    "Amadou",
    "Sekou",
    "Abdoulaye",
    "Thierno",
    "Boubacar",
    "Mohamed",
    "Lansana",
]
_GUINEAN_FEMALE = ["Mariama", "Fatoumata", "Aissatou", "Kadiatou", "Hawa", "Mariam", "Aminata"]
_GUINEAN_FAMILY = [
    "Diallo",
    "Bah",
    "Barry",
    "Camara",
    "Sow",
    "Conde",
    "Sylla",
    "Toure",
    "Keita",
    "Balde",
    "Soumah",
]
_SOUTH_SUDANESE_MALE = [
    "Deng",
    "Garang",
    "Majok",
    "Mabior",
    "Akol",
    "Lual",
    "Kuol",
    "Chol",
    "Peter",
    "James",
]
_SOUTH_SUDANESE_FEMALE = ["Nyandeng", "Achol", "Ayen", "Abuk", "Nyibol", "Mary", "Rebecca"]
_SOUTH_SUDANESE_FAMILY = [
    "Deng",
    "Garang",
    "Majok",
    "Akol",
    "Malual",
    "Bol",
    "Kuol",
    "Mabior",
    "Chol",
]

# Vietnamese given names usually carry a middle name; these two are the most common by far.
_VIETNAMESE_MIDDLE = {"M": "Văn", "F": "Thị"}


def _ascii_name(text: str) -> str:
    """A transliteration tidied the way a case worker would type it: no apostrophes, each
    word capitalised (anyascii gives "XiaoMing" for 晓明; councils write "Xiaoming")."""
    words = anyascii(text).replace("'", "").split()
    return " ".join(w[:1].upper() + w[1:].lower() for w in words)


class NamePool:
    """Draws one name for a child of a given sex ("M", "F" or "U")."""

    def draw(self, sex: str, rng: random.Random) -> DrawnName:  # pragma: no cover - interface
        raise NotImplementedError

    def given_only(self, sex: str, rng: random.Random) -> str:
        """Another given name from the same community (for an alias)."""
        return self.draw(sex, rng).given


class ListPool(NamePool):
    def __init__(self, male: list, female: list, family: list, no_family_share: float = 0.0):
        self.male, self.female, self.family = male, female, family
        self.no_family_share = no_family_share

    @staticmethod
    def _split(entry) -> tuple[str, str]:
        return entry if isinstance(entry, tuple) else (entry, "")

    def draw(self, sex: str, rng: random.Random) -> DrawnName:
        pool = (
            self.female
            if sex == "F"
            else self.male
            if sex == "M"
            else (self.male if rng.random() < 0.5 else self.female)
        )
        given, given_script = self._split(rng.choice(pool))
        if self.no_family_share and rng.random() < self.no_family_share:
            family, family_script = "", ""
        else:
            family, family_script = self._split(rng.choice(self.family))
            if (
                family == given
            ):  # "Hassan Hassan" happens, but is rarely what a generator should show
                family, family_script = self._split(rng.choice(self.family))
        own = " ".join(p for p in (given_script, family_script) if p) if given_script else ""
        return DrawnName(given, family, own_script=own)


_FAKERS: dict[str, Faker] = {}


class FakerPool(NamePool):
    """Names from a Faker person provider, seeded once per run so a seed gives the same names."""

    def __init__(self, locale: str, seed: int, script: bool = False):
        self.locale = locale
        self.seed = seed
        self.script = script  # names are not in Latin script: record the transliteration

    @cached_property
    def fake(self) -> Faker:
        # Built on first use (a run touches only the locales its children need) and kept for
        # the process: building one scans Faker's provider packages, a good part of a second
        # for a run's dozen locales. Re-seeding makes it as good as new for this run.
        fake = _FAKERS.get(self.locale)
        if fake is None:
            fake = _FAKERS[self.locale] = Faker(self.locale)
        fake.seed_instance(self.seed)
        return fake

    def _raw(self, sex: str) -> tuple[str, str]:
        fake = self.fake
        if sex == "M":
            return fake.first_name_male(), fake.last_name_male()
        if sex == "F":
            return fake.first_name_female(), fake.last_name_female()
        return fake.first_name(), fake.last_name()

    def draw(self, sex: str, rng: random.Random) -> DrawnName:
        given, family = self._raw(sex)
        if self.script:
            # Chinese is written family name first and without a space: 陈佳, "Jia Chen".
            native = f"{family}{given}" if self.locale.startswith("zh") else f"{given} {family}"
            return DrawnName(_ascii_name(given), _ascii_name(family), own_script=native)
        # "Zięcik" is often typed "Ziecik": keep the plain form as a spelling to search by.
        spelled, plain = f"{given} {family}", anyascii(f"{given} {family}")
        return DrawnName(given, family, other_spelling=plain if plain != spelled else "")


class VietnamesePool(FakerPool):
    """Family name first in Vietnamese ("Nguyễn Văn Anh"); UK records usually drop the
    diacritics and put the family name last, so the diacritic form is kept as a spelling."""

    def draw(self, sex: str, rng: random.Random) -> DrawnName:
        fake = self.fake
        first = (
            fake.first_name_male()
            if sex == "M"
            else fake.first_name_female()
            if sex == "F"
            else fake.first_name()
        )
        middle = _VIETNAMESE_MIDDLE.get(sex) if rng.random() < 0.55 else fake.middle_name()
        if not middle or middle == first:
            middle = _VIETNAMESE_MIDDLE.get(sex, "Minh")
        family = fake.last_name()
        native = f"{family} {middle} {first}"
        return DrawnName(anyascii(f"{middle} {first}"), anyascii(family), other_spelling=native)


# --- which pool for which child -------------------------------------------------------------

_ARABIC = ListPool(_ARABIC_MALE, _ARABIC_FEMALE, _ARABIC_FAMILY)
_KURDISH = ListPool(_KURDISH_MALE, _KURDISH_FEMALE, _KURDISH_FAMILY)
_AFGHAN = ListPool(_PERSIAN_MALE, _PERSIAN_FEMALE, _AFGHAN_FAMILY, no_family_share=0.08)
_IRANIAN = ListPool(_PERSIAN_MALE, _PERSIAN_FEMALE, _IRANIAN_FAMILY)

_LIST_POOLS: dict[str, NamePool] = {
    "AFG": _AFGHAN,
    "IRN": _IRANIAN,
    "ERI": ListPool(_TIGRINYA_MALE, _TIGRINYA_FEMALE, _TIGRINYA_FAMILY),
    "ETH": ListPool(_ETHIOPIAN_MALE, _ETHIOPIAN_FEMALE, _ETHIOPIAN_FAMILY),
    "ALB": ListPool(_ALBANIAN_MALE, _ALBANIAN_FEMALE, _ALBANIAN_FAMILY),
    "SOM": ListPool(_SOMALI_MALE, _SOMALI_FEMALE, _SOMALI_FAMILY),
    "BGD": ListPool(_BANGLADESHI_MALE, _BANGLADESHI_FEMALE, _BANGLADESHI_FAMILY),
    "ZWE": ListPool(_SHONA_MALE, _SHONA_FEMALE, _SHONA_FAMILY),
    "GIN": ListPool(_GUINEAN_MALE, _GUINEAN_FEMALE, _GUINEAN_FAMILY),
    "SSD": ListPool(_SOUTH_SUDANESE_MALE, _SOUTH_SUDANESE_FEMALE, _SOUTH_SUDANESE_FAMILY),
}
# Nationalities whose names come from a Faker locale: (locale, names in another script).
_FAKER_LOCALES: dict[str, tuple[str, bool]] = {
    "GBR": ("en_GB", False),
    "JAM": ("en_GB", False),
    "ROU": ("ro_RO", False),
    "POL": ("pl_PL", False),
    "SVK": ("sk_SK", False),
    "HUN": ("hu_HU", False),
    "TUR": ("tr_TR", False),
    "CZE": ("cs_CZ", False),
    "BGR": ("bg_BG", True),
    "UKR": ("uk_UA", True),
    "CHN": ("zh_CN", True),
    "IND": ("en_IN", False),
    "PAK": ("en_PK", False),
    "GHA": ("tw_GH", False),
    "DZA": ("fr_DZ", False),
    "NGA": ("en_NG", False),
}
# Nigerian names follow the child's language more than the country.
_NIGERIAN_BY_LANGUAGE = {"yor": "yo_NG", "ibo": "ig_NG", "hau": "ha_NG"}
_KURDISH_LANGUAGES = {"ckb", "kmr", "sdh", "kur"}


class NameBook:
    """Every name pool a run needs, each seeded from the run's seed so names repeat exactly."""

    def __init__(self, seed: int):
        self.seed = seed
        self._faker_pools: dict[str, NamePool] = {}

    def _faker(self, locale: str, script: bool = False) -> NamePool:
        if locale not in self._faker_pools:
            # A seed per locale (not drawn from the run's stream) so that whether or when a
            # locale is first needed cannot shift the names of any other nationality.
            locale_seed = random.Random(f"visible-synthetic:{self.seed}:{locale}").getrandbits(32)
            cls = VietnamesePool if locale == "vi_VN" else FakerPool
            self._faker_pools[locale] = cls(locale, locale_seed, script=script)
        return self._faker_pools[locale]

    @property
    def british(self) -> NamePool:
        return self._faker("en_GB")

    def pool_for(self, nationality: str, language: str) -> NamePool:
        if language in _KURDISH_LANGUAGES:
            return _KURDISH
        if nationality == "VNM":
            return self._faker("vi_VN")
        if nationality == "NGA" and language in _NIGERIAN_BY_LANGUAGE:
            return self._faker(_NIGERIAN_BY_LANGUAGE[language])
        if nationality in _LIST_POOLS:
            return _LIST_POOLS[nationality]
        if nationality in _FAKER_LOCALES:
            locale, script = _FAKER_LOCALES[nationality]
            return self._faker(locale, script)
        if language in ("ara", "fra") or nationality in (
            "SDN",
            "SYR",
            "EGY",
            "IRQ",
            "KWT",
            "XXA",
            "LBY",
            "YEM",
            "MAR",
            "TCD",
        ):
            return _ARABIC
        return self.british


# --- other spellings ----------------------------------------------------------------------
# Families of transliterations that case workers meet again and again (the rulebook's
# "Mohammed" / "Muhammad"): a name in one of these may be recorded as any other.
_SPELLING_FAMILIES = [
    ["Mohammed", "Muhammad", "Mohamed", "Mohammad", "Mohamad", "Muhammed"],
    ["Ahmad", "Ahmed"],
    ["Hussein", "Hussain", "Husain", "Hossein"],
    ["Yusuf", "Yousef", "Yousif", "Youssef"],
    ["Omar", "Umar", "Omer"],
    ["Osman", "Othman", "Usman"],
    ["Mustafa", "Mostafa", "Moustafa"],
    ["Abdullah", "Abdalla", "Abdallah"],
    ["Ibrahim", "Ebrahim", "Ibraheem"],
    ["Hassan", "Hasan"],
    ["Khalid", "Khaled"],
    ["Mariam", "Maryam", "Miriam"],
    ["Fatima", "Fatemeh", "Fatma", "Fatuma"],
    ["Tesfay", "Tesfaye", "Tesfai"],
    ["Yohannes", "Yohanes", "Johannes"],
    ["Haile", "Hayle"],
    ["Gebremedhin", "Ghebremedhin", "Gebremedin"],
    ["Ghebreyesus", "Gebreyesus"],
    ["Abraha", "Abreha"],
    ["Aisha", "Ayesha", "Aysha"],
    ["Zainab", "Zeinab", "Zaynab"],
    ["Hamza", "Hamzah"],
    ["Reza", "Rida"],
    ["Mehdi", "Mahdi"],
    ["Massoud", "Masoud", "Masood"],
    ["Noori", "Nouri", "Nuri"],
    ["Hosseini", "Husseini", "Hussaini"],
    ["Rahimi", "Raheemi"],
    ["Karim", "Kareem"],
]
_SPELLING_LOOKUP = {name.lower(): family for family in _SPELLING_FAMILIES for name in family}
# Otherwise, the small slips of hearing and typing that make one child two records.
_SPELLING_RULES = [
    (re.compile(r"ou"), "u"),
    (re.compile(r"ee"), "i"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"y$"), "i"),
    (re.compile(r"i$"), "y"),
    (re.compile(r"([bdlmnrst])\1"), r"\1"),
    (re.compile(r"([aeiou])([lmnrst])([aeiou])"), r"\1\2\2\3"),
    (re.compile(r"h$"), ""),
]


def spelling_variant(name: str, rng: random.Random) -> str | None:
    """Another way the same name gets written, or None if none comes to hand."""
    family = _SPELLING_LOOKUP.get(name.lower())
    if family:
        return rng.choice([n for n in family if n.lower() != name.lower()])
    lower = name.lower()
    rules = [r for r in _SPELLING_RULES if r[0].search(lower)]
    if not rules:
        return None
    pattern, replacement = rng.choice(rules)
    varied = pattern.sub(replacement, lower, count=1)
    if varied == lower or len(varied) < 2:
        return None
    return varied[:1].upper() + varied[1:]


# English short forms some British children go by.
NICKNAMES = {
    "Thomas": "Tom",
    "William": "Will",
    "Daniel": "Dan",
    "Jessica": "Jess",
    "Rebecca": "Becca",
    "Samuel": "Sam",
    "Alexander": "Alex",
    "Joshua": "Josh",
    "Katherine": "Kate",
    "Charlotte": "Charlie",
    "Benjamin": "Ben",
    "Matthew": "Matt",
    "Abigail": "Abbie",
    "Elizabeth": "Beth",
    "Olivia": "Liv",
    "Jacob": "Jake",
    "Nathan": "Nate",
    "Christopher": "Chris",
    "Michael": "Mike",
    "Victoria": "Tori",
    "Jennifer": "Jen",
    "Nicholas": "Nick",
    "Jonathan": "Jon",
    "Anthony": "Tony",
    "Zachary": "Zac",
}


class StaffNames:
    """Names of the adults around a child (guardians, foster carers, providers' names), from
    Faker's en_GB tables drawn with the run's own random stream. Faker's sampler re-weights its
    500 weighted surnames on every call (25 µs a name), which over a national register's
    hundreds of thousands of placements would be a large part of the run."""

    def __init__(self) -> None:
        surnames = BritishNames.last_names
        pairs = (
            list(surnames.items())
            if isinstance(surnames, dict)
            else [(name, 1.0) for name in surnames]
        )
        self.surnames = Weighted(pairs)
        self.first_names = list(BritishNames.first_names_male) + list(
            BritishNames.first_names_female
        )
        self._teams: dict[str, list[str]] = {}

    def surname(self, rng: random.Random) -> str:
        return self.surnames.pick(rng)

    def full_name(self, rng: random.Random) -> str:
        return f"{rng.choice(self.first_names)} {self.surnames.pick(rng)}"

    def case_worker(self, team: str, child: str) -> str:
        """The synthetic member of `team` (an authority's code) who recorded a generated child's
        flags, care and first grading: people see a person's name, as on a real record, never
        "generator". From a stream of its own, so the run's draws are the same as without it."""
        names = self._teams.get(team)
        if names is None:
            rng = random.Random(f"case workers of {team}")
            names = self._teams[team] = [self.full_name(rng) for _ in range(CASE_WORKERS)]
        return names[zlib.crc32(child.encode()) % len(names)]
