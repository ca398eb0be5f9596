"""Deterministic synthetic groups for the search benchmark and tests: 8 categories, 47 industries,
67 cities, 2-5 tags from 300, members log-uniform from 5 to 500,000, names in several scripts."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator

from generator.derive import make_card
from generator.model import Card, Category, Group, Location, SiteConfig, SourceRef
from generator.text import slugify

AS_OF = dt.date(2011, 4, 1)
CATEGORIES = ("professional", "alumni", "industry", "topic", "employer", "recruiting", "regional", "managers")
INDUSTRIES = tuple(f"{a} {b}" for a in ("Computer", "Financial", "Health", "Energy", "Retail", "Media", "Legal")
                   for b in ("Software", "Services", "Care", "Products", "Research", "Networks", "Trade"))[:47]
CITIES: tuple[tuple[str, str], ...] = (
    ("Berlin", "Germany"), ("München", "Germany"), ("Zürich", "Switzerland"), ("Genève", "Switzerland"),
    ("Paris", "France"), ("Lyon", "France"), ("Madrid", "Spain"), ("São Paulo", "Brazil"), ("Kraków", "Poland"),
    ("Москва", "Russia"), ("Київ", "Ukraine"), ("Αθήνα", "Greece"), ("القاهرة", "Egypt"), ("دبي", "UAE"),
    ("תל אביב", "Israel"), ("東京", "Japan"), ("大阪", "Japan"), ("上海", "China"), ("北京", "China"),
    ("서울", "South Korea"), ("London", "United Kingdom"), ("Dublin", "Ireland"), ("Oslo", "Norway"),
    ("Malmö", "Sweden"), ("København", "Denmark"), ("Helsinki", "Finland"), ("Reykjavík", "Iceland"),
    ("Wien", "Austria"), ("Praha", "Czechia"), ("Budapest", "Hungary"), ("București", "Romania"),
    ("İstanbul", "Türkiye"), ("Mumbai", "India"), ("दिल्ली", "India"), ("Karachi", "Pakistan"),
    ("Dhaka", "Bangladesh"), ("Bangkok", "Thailand"), ("Hà Nội", "Vietnam"), ("Jakarta", "Indonesia"),
    ("Manila", "Philippines"), ("Sydney", "Australia"), ("Auckland", "New Zealand"), ("Toronto", "Canada"),
    ("Montréal", "Canada"), ("Chicago", "United States"), ("New York", "United States"),
    ("San Francisco", "United States"), ("Ciudad de México", "Mexico"), ("Bogotá", "Colombia"),
    ("Lima", "Peru"), ("Santiago", "Chile"), ("Buenos Aires", "Argentina"), ("Lagos", "Nigeria"),
    ("Nairobi", "Kenya"), ("Cape Town", "South Africa"), ("Accra", "Ghana"), ("Casablanca", "Morocco"),
    ("Tunis", "Tunisia"), ("Riyadh", "Saudi Arabia"), ("Doha", "Qatar"), ("Tehran", "Iran"),
    ("Tashkent", "Uzbekistan"), ("Almaty", "Kazakhstan"), ("Tbilisi", "Georgia"), ("Yerevan", "Armenia"),
    ("Baku", "Azerbaijan"), ("Singapore", "Singapore"),
)
LANGUAGES = ("en", "de", "fr", "es", "pt", "ru", "el", "ar", "he", "ja", "zh", "ko", "hi", "tr", "pl")
ROLES = ("Network", "Alumni", "Club", "Circle", "Society", "Forum", "Guild", "Meetup", "Association")
SCRIPTS = (
    ("Сообщество", "Клуб", "Разработчики", "Инженеры", "Рекрутеры"),
    ("Ομάδα", "Μηχανικοί", "Δίκτυο", "Σύλλογος"),
    ("شبكة", "مهندسي", "نادي", "رواد"),
    ("קהילת", "מפתחי", "מועדון", "רשת"),
    ("开发者", "工程师", "社区", "俱乐部", "招聘"),
    ("エンジニア", "勉強会", "コミュニティ"),
    ("개발자", "모임", "네트워크"),
)
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "da", "ge", "bo", "pu", "ri", "ta", "ze", "an", "el",
             "or", "us", "in", "tra", "pro", "con", "dis", "ver", "mar", "len", "sto", "qui", "fer")


def lexicon(size: int, rng: random.Random) -> list[str]:
    words: dict[str, None] = {}
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def tags(rng: random.Random) -> list[str]:
    base = ("python", "rust", "java", "design", "marketing", "finance", "sales", "data", "cloud", "security",
            "hiring", "careers", "startups", "research", "nursing", "logistics", "energy", "law", "media", "ux")
    out = list(base)
    while len(out) < 300:
        out.append(f"{rng.choice(base)} {rng.choice(SYLLABLES)}{rng.choice(SYLLABLES)}")
    return list(dict.fromkeys(out))[:300]


def config() -> SiteConfig:
    return SiteConfig(title="Synthetic", base_url="https://example.org/groups-directory/", as_of=AS_OF,
                      categories=tuple(Category(c, c.capitalize() + " groups") for c in CATEGORIES))


def cards(count: int, seed: int = 7) -> Iterator[Card]:
    rng = random.Random(seed)
    words = lexicon(3000 + int(40 * math.sqrt(count)), rng)
    tag_list = tags(rng)
    zipf = [1.0 / (rank + 1) for rank in range(len(words))]
    cumulative = [0.0]
    for weight in zipf:
        cumulative.append(cumulative[-1] + weight)
    for i in range(count):
        city, country = CITIES[rng.randrange(len(CITIES))]
        picked = rng.choices(words, cum_weights=cumulative[1:], k=rng.randint(8, 16))
        if rng.random() < 0.15:
            script = SCRIPTS[rng.randrange(len(SCRIPTS))]
            name = f"{city} {rng.choice(script)} {rng.choice(script)}"
        else:
            name = f"{city} {picked[0].capitalize()} {rng.choice(ROLES)}"
        members = None if rng.random() < 0.05 else int(math.exp(rng.uniform(math.log(5), math.log(500_000))))
        last = AS_OF - dt.timedelta(days=rng.randint(0, 400))
        group = Group(
            slug=f"{slugify(name)}-{i}", name=name, category=CATEGORIES[rng.randrange(len(CATEGORIES))],
            source=SourceRef("synthetic.csv", i + 2), summary=" ".join(picked[1:]).capitalize() + ".",
            tags=tuple(rng.sample(tag_list, rng.randint(2, 5))), industry=INDUSTRIES[rng.randrange(47)],
            location=Location(city=city, country=country, online=rng.random() < 0.03),
            languages=tuple(sorted(set(rng.sample(LANGUAGES, rng.choice((1, 1, 1, 2, 3)))))),
            members=members, founded=AS_OF - dt.timedelta(days=rng.randint(30, 9000)),
            visibility=rng.choice(("open", "open", "request", "invite")),
            status="archived" if rng.random() < 0.03 else "active",
            last_post=last, posts_per_month=round(rng.uniform(0, 40), 1),
        )
        yield make_card(group, AS_OF)
