"""Write the course's extractive question-answering set: data/qa/train.jsonl and data/qa/test.jsonl.

Run ``python data/make_qa.py``. The output is the same on every run (fixed seed, no other input).
Each line is one SQuAD-style question:

    {"id", "context", "question", "answers": {"text": [answer], "answer_start": [char offset]}, "kind"}

The answer is always a span of its context (``context[start:start + len(text)] == text``).
Contexts come in seven kinds (biographies, company facts, product specs, event notices, recipes,
timetables, science facts), several questions each (who / what / where / when / how many / how much,
asked in several ways). Every context also holds distractors of the answer's type (two years, two
places, several numbers), so the question, not the type, decides the answer.

The TEST split is built from what TRAIN never shows: its own names, places, companies and products,
numbers that never occur in train, and its own sentence and question wordings (each template list
below is split into "train" and "test"). A model that only memorised train cannot score on it.
Everything is made up.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from pathlib import Path

SEED = 2024
OUT = Path(__file__).resolve().parent / "qa"
CONTEXTS = {"train": 500, "test": 80}  # x 4 questions each
QUESTIONS_PER_CONTEXT = 4

# --- names and places: disjoint pools for train and test ---------------------------------------
FIRST = {
    "train": ["Marta", "Daniel", "Priya", "Tomas", "Aisha", "Lukas", "Elena", "Samuel", "Ingrid", "Kenji",
              "Fatima", "Oliver", "Nadia", "Victor", "Hana", "Rafael", "Clara", "Yusuf", "Greta", "Mateo",
              "Sofia", "Arjun", "Leah", "Pavel", "Amara", "Henrik", "Chloe", "Diego", "Mei", "Bruno",
              "Irene", "Kwame", "Lucia", "Omar", "Freya", "Tariq", "Nina", "Emil", "Rosa", "Felix"],
    "test": ["Beatrix", "Osei", "Ludmila", "Caspian", "Zainab", "Thaddeus", "Noor", "Ignatius", "Wren",
             "Anselm", "Saoirse", "Dmitri", "Imani", "Lorcan", "Yara", "Casimir", "Odette", "Bartholomew"],
}
LAST = {
    "train": ["Okafor", "Lindqvist", "Moreau", "Castillo", "Nakamura", "Brennan", "Haddad", "Kowalski",
              "Fischer", "Mensah", "Duarte", "Sorensen", "Patel", "Romano", "Ivanova", "Whitfield", "Adeyemi",
              "Larsen", "Costa", "Bauer", "Quinn", "Takahashi", "Novak", "Ferreira", "Holm", "Achebe",
              "Varga", "Santos", "Keller", "Molina"],
    "test": ["Abernathy", "Zielinski", "Oyelaran", "Thistlewood", "Vasquez-Lund", "Kaczmarek", "Mbeki",
             "Featherstone", "Rautio", "Delacroix", "Onwuachi", "Pemberton", "Szabo", "Quintanilla"],
}
CITY = {
    "train": ["Lisbon", "Oslo", "Nairobi", "Porto", "Kraków", "Lyon", "Osaka", "Valencia", "Dublin", "Accra",
              "Tampere", "Bologna", "Quito", "Graz", "Leeds", "Bergen", "Cork", "Malmö", "Seville", "Gdańsk",
              "Turin", "Nantes", "Aarhus", "Brno", "Utrecht", "Ghent", "Mombasa", "Cusco", "Busan", "Perth"],
    "test": ["Trondheim", "Ljubljana", "Salvador", "Kumasi", "Innsbruck", "Montevideo", "Tartu", "Hobart",
             "Zaragoza", "Kaunas", "Halifax", "Bilbao", "Tbilisi", "Galway"],
}
# companies, products, venues and the like: a word from the split's own list + a common ending
COMPANY_HEAD = {
    "train": ["Brightwater", "Northwind", "Redfern", "Silverline", "Oakridge", "Bluepeak", "Ironwood",
              "Clearbrook", "Sunfield", "Greystone", "Maplewood", "Starling", "Westgate", "Kestrel", "Amberly",
              "Copperleaf", "Highmoor", "Rivenstone", "Foxglove", "Tidewell"],
    "test": ["Quillfeather", "Zephyrine", "Obsidia", "Marrowgate", "Velloran", "Hollowmere", "Corvantis",
             "Lanterna"],
}
COMPANY_TAIL = ["Labs", "Systems", "Foods", "Robotics", "Energy", "Textiles", "Software", "Logistics"]
PRODUCT_HEAD = {
    "train": ["Lumo", "Vega", "Nimbus", "Orbit", "Pixel", "Aero", "Sonic", "Terra", "Nova", "Echo", "Zen",
              "Atlas", "Flux", "Pulse", "Glide"],
    "test": ["Quasar", "Yonder", "Kestra", "Brio", "Halcyon", "Ostara"],
}
PRODUCT_TYPE = {
    "train": ["laptop", "e-bike", "coffee machine", "camera", "drone", "tablet", "speaker"],
    "test": ["smartwatch", "vacuum robot", "projector"],
}
SUBJECT = {
    "train": ["chemistry", "history", "architecture", "economics", "marine biology", "philosophy",
              "mathematics", "music", "geology", "law", "medicine", "linguistics"],
    "test": ["astronomy", "anthropology", "civil engineering", "botany"],
}
JOB = {
    "train": ["novelist", "engineer", "painter", "architect", "surgeon", "journalist", "composer",
              "photographer", "chemist", "diplomat"],
    "test": ["cartographer", "glassblower", "choreographer", "astronaut"],
}
BOOK = {
    "train": ["The Quiet Harbour", "Salt and Iron", "A Map of Winter", "The Glass Orchard", "Northern Lights",
              "The Last Ferry", "Paper Birds", "The Long Road Home", "Seven Bridges", "The Copper Key"],
    "test": ["Lanterns Over Vellmar", "The Hollow Crown of Ash", "Tidewater Elegy", "Embers of Kalda"],
}
EVENT = {
    "train": ["Jazz Festival", "Book Fair", "Film Night", "Science Week", "Food Market", "Chess Open",
              "Robotics Fair", "Poetry Evening", "Craft Beer Festival", "Marathon"],
    "test": ["Lantern Parade", "Origami Congress", "Kite Regatta", "Choral Summit"],
}
VENUE = {
    "train": ["the Old Town Hall", "Riverside Park", "the Central Library", "the Harbour Pavilion",
              "the Grand Theatre", "St. Mary's Church", "the Exhibition Centre", "the City Museum"],
    "test": ["the Tannery Warehouse", "Glenmoor Botanical Garden", "the Observatory Dome", "Pier Nine"],
}
DISH = {
    "train": ["lemon tart", "mushroom risotto", "banana bread", "lentil soup", "apple crumble", "fish pie",
              "vegetable curry", "pancakes", "chocolate brownies", "tomato pasta"],
    "test": ["saffron paella", "rhubarb galette", "plum dumplings", "chickpea tagine"],
}
INGREDIENT = {
    "train": ["flour", "rice", "butter", "sugar", "lentils", "oats", "milk", "potatoes", "cream", "onions"],
    "test": ["semolina", "quinoa", "buttermilk", "almonds"],
}
VEHICLE = {
    "train": ["train", "bus", "ferry", "coach"],
    "test": ["tram", "night train", "hydrofoil"],
}
OPERATOR = {
    "train": ["Coastline Rail", "Metro Lines", "BlueWave Ferries", "Greenway Coaches", "Valley Express"],
    "test": ["Fjordlink", "Sunrise Shuttles", "Ironhorse Transit"],
}
ANIMAL = {
    "train": ["frog", "beetle", "owl", "lizard", "bat", "salamander", "moth", "hummingbird", "shrew", "crab"],
    "test": ["gecko", "pangolin", "kingfisher", "cuttlefish"],
}
ANIMAL_ADJ = {
    "train": ["golden", "spotted", "striped", "silver", "pygmy", "crested", "red-eyed", "long-tailed"],
    "test": ["ash-winged", "velvet", "copper-banded"],
}
REGION = {
    "train": ["the Andes", "Borneo", "the Sahara", "Patagonia", "the Alps", "Madagascar", "Siberia",
              "the Amazon basin", "Tasmania", "the Scottish Highlands"],
    "test": ["the Atacama Desert", "Sulawesi", "the Carpathians", "Svalbard"],
}
FOOD = {
    "train": ["insects", "seeds", "small fish", "nectar", "berries", "snails", "worms", "leaves"],
    "test": ["lichen", "krill", "tree sap"],
}
MONTH = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"]
DAY = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def in_test(value) -> bool:
    """A fixed coin per number: a quarter of all numbers belong to test, the rest to train."""
    return int(hashlib.md5(str(value).encode()).hexdigest(), 16) % 4 == 0


class Draw:
    """Random choices for one split: names from the split's pool, numbers the other split never uses."""

    def __init__(self, rng: random.Random, split: str):
        self.rng, self.split = rng, split

    def pick(self, pool):
        return self.rng.choice(pool[self.split] if isinstance(pool, dict) else pool)

    def number(self, low: int, high: int, step: int = 1) -> int:
        while True:
            value = self.rng.randrange(low, high + 1, step)
            if in_test(value) == (self.split == "test"):
                return value

    def numbers(self, count: int, low: int, high: int, step: int = 1) -> list[int]:
        """`count` different numbers (distractors must not equal the answer)."""
        values: list[int] = []
        while len(values) < count:
            value = self.number(low, high, step)
            if value not in values:
                values.append(value)
        return values

    def person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(LAST)}"

    def people(self, count: int) -> list[str]:
        names: list[str] = []
        while len(names) < count:
            name = self.person()
            if all(name.split()[0] != n.split()[0] and name.split()[1] != n.split()[1] for n in names):
                names.append(name)
        return names

    def distinct(self, pool, count: int) -> list:
        return self.rng.sample(pool[self.split], count)

    def template(self, templates: dict) -> str:
        return self.rng.choice(templates[self.split])

    def wordings(self, sentences: list[dict], questions: dict) -> tuple[list[str], dict]:
        """One wording of this split for each sentence, then for each question, drawn in that order.

        sentences: [{"train": [wording, ...], "test": [...]}, ...], the context in order;
        questions: {slot: ({"train": [...], "test": [...]}, answer)}.
        Returns (sentences, {slot: (question, answer)}).
        """
        return ([self.template(sentence) for sentence in sentences],
                {slot: (self.template(asked), answer) for slot, (asked, answer) in questions.items()})


def grouped(value: int) -> str:
    return f"{value:,}"


# --- the seven kinds of context -----------------------------------------------------------------
# Each draws its facts, lists the wordings of its sentences and questions (train and test wordings
# apart), and lets Draw.wordings pick one of each: it returns (sentences, questions), sentences the
# context in order, questions {slot: (question, answer)} with the answer in exactly one sentence.

def biography(d: Draw):
    name, mentor = d.people(2)
    first = name.split()[0]
    born, moved = sorted(d.numbers(2, 1930, 1995))
    born_in, works_in = d.distinct(CITY, 2)
    subject, job, book = d.pick(SUBJECT), d.pick(JOB), d.pick(BOOK)
    books = d.number(2, 40)
    sentences = [
        {"train": [f"{name} was born in {born_in} in {born}.", f"{name} was born in {born} in the city of {born_in}.",
                   f"{name}, a {job}, was born in {born_in} in {born}."],
         "test": [f"Born in {born} in {born_in}, {name} grew up near the sea.",
                  f"{name} came into the world in {born_in} in the year {born}."]},
        {"train": [f"{first} studied {subject} under {mentor} and moved to {works_in} in {moved}.",
                   f"After studying {subject} with {mentor}, {first} settled in {works_in} in {moved}."],
         "test": [f"Trained in {subject} by {mentor}, {first} relocated to {works_in} in {moved}."]},
        {"train": [f"As a {job}, {first} has published {books} books, the best known of which is {book}.",
                   f"{first} has written {books} books; the most famous is {book}."],
         "test": [f"Over the years {first} has produced {books} books, and {book} remains the favourite of readers."]},
    ]
    questions = {
        "when": ({"train": [f"When was {name} born?", f"In what year was {name} born?",
                            f"What year was {first} born in?"],
                  "test": [f"In which year did {first} come into the world?", f"{name} was born when?"]},
                 str(born)),
        "where": ({"train": [f"Where was {name} born?", f"In which city was {first} born?",
                             f"What is {first}'s birthplace?"],
                   "test": [f"What city is {name} originally from?", f"{first} was born where?"]},
                  born_in),
        "what": ({"train": [f"What did {first} study?", f"Which subject did {name} study?"],
                  "test": [f"What field was {first} trained in?"]},
                 subject),
        "who": ({"train": [f"Who taught {first}?", f"Who was {first}'s teacher?"],
                 "test": [f"Under whom did {first} train?", f"Who trained {name}?"]},
                mentor),
        "how many": ({"train": [f"How many books has {first} published?",
                                f"How many books has {name} written?"],
                      "test": [f"What is the number of books {first} has produced?"]},
                     str(books)),
        "book": ({"train": [f"What is {first}'s best known book?", f"Which book by {first} is the most famous?"],
                  "test": [f"Which of {first}'s books do readers like most?"]},
                 book),
        "moved": ({"train": [f"When did {first} move to {works_in}?", f"In what year did {first} settle in {works_in}?"],
                   "test": [f"What year did {first} relocate?"]},
                  str(moved)),
        "name": ({"train": [f"What is the name of the person who wrote {book}?", f"Who wrote {book}?"],
                  "test": [f"Whose book is {book}?"]},
                 name),
    }
    return d.wordings(sentences, questions)


def company(d: Draw):
    name = f"{d.pick(COMPANY_HEAD)} {d.pick(COMPANY_TAIL)}"
    founder, ceo = d.people(2)
    founded = d.number(1950, 2015)
    hq, plant = d.distinct(CITY, 2)
    staff = d.number(40, 9000, 10)
    revenue = f"${d.number(2, 95)}.{d.number(1, 9)} million"
    sentences = [
        {"train": [f"{name} was founded in {founded} by {founder}.", f"{founder} founded {name} in {founded}.",
                   f"{name} was started by {founder} in {founded}."],
         "test": [f"It was in {founded} that {founder} set up {name}."]},
        {"train": [f"The company is based in {hq} and runs a factory in {plant}.",
                   f"Its headquarters are in {hq}, and it also has a plant in {plant}."],
         "test": [f"Head office: {hq}; its main workshop operates out of {plant}."]},
        {"train": [f"Today it employs {grouped(staff)} people and is led by {ceo}.",
                   f"{ceo} is the chief executive, and the firm has {grouped(staff)} employees."],
         "test": [f"The workforce stands at {grouped(staff)}, with {ceo} in charge as CEO."]},
        {"train": [f"Last year its revenue was {revenue}.", f"In its last financial year it earned {revenue}."],
         "test": [f"Annual sales recently reached {revenue}."]},
    ]
    short = name.split()[0]
    questions = {
        "when": ({"train": [f"When was {name} founded?", f"In what year was {short} founded?",
                            f"When did {founder} found {name}?"],
                  "test": [f"What year was {name} set up?", f"Since when has {short} existed?"]},
                 str(founded)),
        "who": ({"train": [f"Who founded {name}?", f"Who started {short}?"],
                 "test": [f"Who set up {name}?", f"Which person established {short}?"]},
                founder),
        "ceo": ({"train": [f"Who leads {name}?", f"Who is the chief executive of {short}?"],
                 "test": [f"Who is in charge at {short}?", f"Who is {short}'s CEO?"]},
                ceo),
        "where": ({"train": [f"Where is {name} based?", f"Where are the headquarters of {short}?",
                             f"In which city is {short} based?"],
                   "test": [f"Where is the head office of {short}?", f"Where does {short} have its head office?"]},
                  hq),
        "how many": ({"train": [f"How many people does {name} employ?", f"How many employees does {short} have?"],
                      "test": [f"How large is the workforce of {short}?", f"What is the size of {short}'s workforce?"]},
                     grouped(staff)),
        "how much": ({"train": [f"How much did {short} earn last year?", f"What was {name}'s revenue?"],
                      "test": [f"How much were {short}'s annual sales?"]},
                     revenue),
        "plant": ({"train": [f"Where does {short} have a factory?", f"In which city is {short}'s plant?"],
                   "test": [f"Where is the main workshop of {short}?"]},
                  plant),
        "name": ({"train": [f"What is the name of the company {founder} founded?",
                            f"Which company did {founder} start?"],
                  "test": [f"What is the firm that {ceo} runs called?"]},
                 name),
    }
    return d.wordings(sentences, questions)


def product(d: Draw):
    kind = d.pick(PRODUCT_TYPE)
    name = f"{d.pick(PRODUCT_HEAD)} {d.rng.choice('XSMV')}{d.number(2, 99)}"
    maker = f"{d.pick(COMPANY_HEAD)} {d.pick(COMPANY_TAIL)}"
    price = f"${grouped(d.number(49, 2999))}"
    tenths = d.number(11, 99)
    weight = f"{tenths // 10}.{tenths % 10} kg"
    hours = d.number(3, 30)
    month, year = d.pick(MONTH), d.number(2015, 2030)
    colours = d.number(2, 9)
    sentences = [
        {"train": [f"The {name} is a {kind} made by {maker}.", f"{maker} makes the {name}, a {kind}."],
         "test": [f"Meet the {name}: a {kind} from the engineers at {maker}."]},
        {"train": [f"It went on sale in {month} {year} and costs {price}.", f"It costs {price} and was released in {month} {year}."],
         "test": [f"Priced at {price}, it reached the shops in {month} {year}."]},
        {"train": [f"It weighs {weight}, and its battery lasts {hours} hours.",
                   f"The battery runs for {hours} hours and the whole device weighs {weight}."],
         "test": [f"On a full charge it keeps going for {hours} hours, and it tips the scales at {weight}."]},
        {"train": [f"It comes in {colours} colours.", f"Buyers can choose from {colours} colours."],
         "test": [f"There are {colours} colour options to pick from."]},
    ]
    questions = {
        "who": ({"train": [f"Who makes the {name}?", f"Which company makes the {name}?"],
                 "test": [f"Which firm builds the {name}?", f"Who is the manufacturer of the {name}?"]},
                maker),
        "how much": ({"train": [f"How much does the {name} cost?", f"What is the price of the {name}?"],
                      "test": [f"How much would I pay for the {name}?", f"What does the {name} sell for?"]},
                     price),
        "when": ({"train": [f"When did the {name} go on sale?", f"When was the {name} released?"],
                  "test": [f"Since when is the {name} in the shops?"]},
                 f"{month} {year}"),
        "weight": ({"train": [f"How much does the {name} weigh?", f"What is the weight of the {name}?"],
                    "test": [f"How heavy is the {name}?"]},
                   weight),
        "how long": ({"train": [f"How long does the battery of the {name} last?",
                                f"How many hours does the {name}'s battery last?"],
                      "test": [f"How long does the {name} run on one charge?"]},
                     f"{hours} hours"),
        "how many": ({"train": [f"How many colours does the {name} come in?"],
                      "test": [f"How many colour options does the {name} have?",
                               f"In how many colours can the {name} be bought?"]},
                     str(colours)),
        "what": ({"train": [f"What kind of device is the {name}?", f"What is the {name}?"],
                  "test": [f"What sort of product is the {name}?"]},
                 kind),
        "name": ({"train": [f"What is the name of the {kind} made by {maker}?",
                            f"Which {kind} does {maker} make?"],
                  "test": [f"What is {maker}'s {kind} called?"]},
                 name),
    }
    return d.wordings(sentences, questions)


def event(d: Draw):
    city = d.pick(CITY)
    title = f"{city} {d.pick(EVENT)}"
    name = f"the {title}"
    venue = d.pick(VENUE)
    day, date = d.pick(DAY), f"{d.number(1, 28)} {d.pick(MONTH)}"
    start = f"{d.number(1, 11)}:{d.number(0, 55, 5):02d} pm"
    price = f"£{d.number(3, 60)}"
    organiser = d.person()
    acts, seats = d.numbers(2, 5, 400)
    sentences = [
        {"train": [f"{name[0].upper() + name[1:]} takes place on {day}, {date}, at {venue}.",
                   f"This year {name} will be held at {venue} on {day}, {date}."],
         "test": [f"Save the date: {day}, {date} brings {name} to {venue}."]},
        {"train": [f"Doors open at {start}, and tickets cost {price}.", f"Tickets are {price} and the doors open at {start}."],
         "test": [f"Entry is {price}; the first guests are let in at {start}."]},
        {"train": [f"The programme has {acts} acts and the hall seats {seats} people.",
                   f"There are {acts} performances, and there is room for {seats} visitors."],
         "test": [f"Expect {acts} acts on stage, with space for {seats} guests."]},
        {"train": [f"It is organised by {organiser}.", f"The organiser is {organiser}."],
         "test": [f"{organiser} is behind the whole event."]},
    ]
    questions = {
        "where": ({"train": [f"Where does {name} take place?", f"Where will {name} be held?"],
                   "test": [f"What is the venue of {name}?", f"Where should visitors of {name} go?"]},
                  venue),
        "when": ({"train": [f"On what date is {name}?", f"When does {name} take place?"],
                  "test": [f"Which day is {name} on?"]},
                 f"{day}, {date}"),
        "time": ({"train": ["What time do the doors open?", f"When do the doors open for {name}?"],
                  "test": ["At what time are the first guests let in?"]},
                 start),
        "how much": ({"train": [f"How much do tickets for {name} cost?", "What is the ticket price?"],
                      "test": [f"How much is entry to {name}?"]},
                     price),
        "how many": ({"train": ["How many acts are on the programme?", "How many performances are there?"],
                      "test": ["How many acts will be on stage?"]},
                     str(acts)),
        "seats": ({"train": ["How many people does the hall seat?", "How many visitors is there room for?"],
                   "test": ["How many guests can fit?"]},
                  str(seats)),
        "who": ({"train": [f"Who organises {name}?", "Who is the organiser?"],
                 "test": [f"Who is behind {name}?"]},
                organiser),
        "name": ({"train": [f"What is the name of the event at {venue}?", f"Which event does {organiser} organise?"],
                  "test": [f"What is the event that {organiser} puts on called?"]},
                 title),
    }
    return d.wordings(sentences, questions)


def recipe(d: Draw):
    dish, chef = d.pick(DISH), d.person()
    main, other = d.distinct(INGREDIENT, 2)
    grams, other_grams = d.numbers(2, 50, 900, 10)
    serves = d.number(2, 12)
    minutes, bake = d.numbers(2, 10, 95, 5)
    temp = d.number(150, 240, 10)
    sentences = [
        {"train": [f"This {dish} recipe comes from {chef} and serves {serves}.", f"{chef}'s {dish} serves {serves} people."],
         "test": [f"Enough for {serves}, this {dish} is a favourite of {chef}."]},
        {"train": [f"You need {grams} grams of {main} and {other_grams} grams of {other}.",
                   f"Mix {grams} grams of {main} with {other_grams} grams of {other}."],
         "test": [f"Weigh out {grams} grams of {main}, then {other_grams} grams of {other}."]},
        {"train": [f"Preparation takes {minutes} minutes.", f"It takes {minutes} minutes to prepare."],
         "test": [f"Allow {minutes} minutes at the counter."]},
        {"train": [f"Bake it at {temp} degrees for {bake} minutes.", f"Cook it in the oven for {bake} minutes at {temp} degrees."],
         "test": [f"It goes into a {temp} degree oven for {bake} minutes."]},
    ]
    questions = {
        "who": ({"train": [f"Whose recipe is the {dish}?", "Who does this recipe come from?"],
                 "test": [f"Which cook is this {dish} a favourite of?"]},
                chef),
        "how many": ({"train": [f"How many people does the {dish} serve?", "How many does this recipe serve?"],
                      "test": [f"For how many people is this {dish} enough?"]},
                     str(serves)),
        "how much": ({"train": [f"How much {main} do you need?", f"How much {main} goes into the {dish}?"],
                      "test": [f"What amount of {main} is used?"]},
                     f"{grams} grams"),
        "how much 2": ({"train": [f"How much {other} do you need?", f"How much {other} is in the {dish}?"],
                        "test": [f"What quantity of {other} does the {dish} call for?"]},
                       f"{other_grams} grams"),
        "how long": ({"train": ["How long does preparation take?", f"How long does the {dish} take to prepare?"],
                      "test": [f"How many minutes of preparation does the {dish} need?"]},
                     f"{minutes} minutes"),
        "bake": ({"train": ["How long does it bake?", f"How long does the {dish} stay in the oven?"],
                  "test": [f"For how long is the {dish} cooked in the oven?"]},
                 f"{bake} minutes"),
        "temp": ({"train": ["At what temperature is it baked?", "How hot should the oven be?"],
                  "test": [f"What oven temperature does the {dish} need?"]},
                 f"{temp} degrees"),
    }
    return d.wordings(sentences, questions)


def timetable(d: Draw):
    vehicle, operator = d.pick(VEHICLE), d.pick(OPERATOR)
    origin, goal, stop = d.distinct(CITY, 3)
    leave_h, arrive_h = sorted(d.numbers(2, 5, 22))
    leave, arrive = f"{leave_h:02d}:{d.number(0, 59):02d}", f"{arrive_h:02d}:{d.number(0, 59):02d}"
    platform = d.number(1, 19)
    fare = f"€{d.number(4, 180)}"
    sentences = [
        {"train": [f"The {vehicle} to {goal} leaves {origin} at {leave} from platform {platform}.",
                   f"From platform {platform} in {origin}, the {leave} {vehicle} runs to {goal}."],
         "test": [f"Departing {origin} at {leave}, the {vehicle} bound for {goal} uses platform {platform}."]},
        {"train": [f"It stops in {stop} and reaches {goal} at {arrive}.", f"After a stop in {stop}, it arrives in {goal} at {arrive}."],
         "test": [f"Calling only at {stop}, it pulls into {goal} at {arrive}."]},
        {"train": [f"The service is run by {operator}, and a single ticket costs {fare}.",
                   f"{operator} runs this line; a one-way ticket is {fare}."],
         "test": [f"Operator: {operator}. One-way fare: {fare}."]},
    ]
    questions = {
        "when": ({"train": [f"When does the {vehicle} to {goal} leave?", f"What time does the {vehicle} depart from {origin}?"],
                  "test": [f"At what time does the {vehicle} set off?"]},
                 leave),
        "arrive": ({"train": [f"When does the {vehicle} arrive in {goal}?", f"What time does it reach {goal}?"],
                    "test": [f"At what time does the {vehicle} get to {goal}?"]},
                   arrive),
        "where": ({"train": [f"Where does the {vehicle} stop?", f"Where does the {vehicle} stop on the way?"],
                   "test": [f"Which city does the {vehicle} call at?"]},
                  stop),
        "from": ({"train": [f"Where does the {vehicle} leave from?", f"From which city does the {vehicle} depart?"],
                  "test": [f"Where does the {vehicle} set off from?"]},
                 origin),
        "platform": ({"train": [f"Which platform does the {vehicle} leave from?", f"What platform is the {vehicle} on?"],
                      "test": ["What is the platform number?"]},
                     str(platform)),
        "how much": ({"train": ["How much does a ticket cost?", "What does a single ticket cost?"],
                      "test": ["What is the one-way fare?", "How much is the fare?"]},
                     fare),
        "who": ({"train": [f"Who runs the {vehicle}?", "Which company operates this line?"],
                 "test": ["Who is the operator?"]},
                operator),
    }
    return d.wordings(sentences, questions)


def science(d: Draw):
    animal = f"{d.pick(ANIMAL_ADJ)} {d.pick(ANIMAL)}"
    region, food, finder = d.pick(REGION), d.pick(FOOD), d.person()
    year = d.number(1820, 2020)
    length, grams = d.number(2, 90), d.number(3, 950)
    years = d.number(2, 60)
    sentences = [
        {"train": [f"The {animal} was first described by {finder} in {year}.", f"In {year}, {finder} first described the {animal}."],
         "test": [f"Science has known the {animal} since {year}, when {finder} wrote the first account of it."]},
        {"train": [f"It lives in {region} and feeds mainly on {food}.", f"It is found in {region}, where it eats mostly {food}."],
         "test": [f"Its home range is {region}; its diet consists largely of {food}."]},
        {"train": [f"An adult is {length} centimetres long, weighs about {grams} grams and can live for {years} years.",
                   f"Adults grow to {length} centimetres and {grams} grams, and live up to {years} years."],
         "test": [f"Fully grown, it measures {length} centimetres, tips the scales at roughly {grams} grams "
                  f"and may survive {years} years."]},
    ]
    questions = {
        "who": ({"train": [f"Who first described the {animal}?", f"Who described the {animal}?"],
                 "test": [f"Who wrote the first account of the {animal}?"]},
                finder),
        "when": ({"train": [f"When was the {animal} first described?", f"In what year was the {animal} described?"],
                  "test": [f"Since what year has the {animal} been known?"]},
                 str(year)),
        "where": ({"train": [f"Where does the {animal} live?", f"Where is the {animal} found?"],
                   "test": [f"What is the home range of the {animal}?"]},
                  region),
        "what": ({"train": [f"What does the {animal} eat?", f"What does the {animal} feed on?"],
                  "test": [f"What is the {animal}'s diet made of?"]},
                 food),
        "length": ({"train": [f"How long is an adult {animal}?", f"How long does the {animal} grow?"],
                    "test": [f"What length does a grown {animal} reach?"]},
                   f"{length} centimetres"),
        "how much": ({"train": [f"How much does the {animal} weigh?", f"What does an adult {animal} weigh?"],
                      "test": [f"How heavy is a grown {animal}?"]},
                     f"{grams} grams"),
        "how many": ({"train": [f"How many years can the {animal} live?", f"How long can the {animal} live?"],
                      "test": [f"For how many years may the {animal} survive?"]},
                     f"{years} years"),
        "name": ({"train": [f"What is the name of the animal {finder} described?",
                            f"Which animal did {finder} describe?"],
                  "test": [f"What creature did {finder} write the first account of?"]},
                 animal),
    }
    return d.wordings(sentences, questions)


KINDS = {"biography": biography, "company": company, "product": product, "event": event, "recipe": recipe,
         "timetable": timetable, "science": science}


def occurrences(context: str, answer: str) -> list[int]:
    """Where `answer` starts in `context` as whole words ("19" is not found inside "1962")."""
    pattern = r"(?<!\w)" + re.escape(answer) + r"(?!\w)"
    return [match.start() for match in re.finditer(pattern, context)]


def contexts(split: str, count: int, rng: random.Random):
    """`count` contexts of the split, the kinds in turn, each with QUESTIONS_PER_CONTEXT questions."""
    draw = Draw(rng, split)
    kinds = list(KINDS)
    made = 0
    while made < count:
        kind = kinds[made % len(kinds)]
        sentences, questions = KINDS[kind](draw)
        context = " ".join(sentences)
        chosen = rng.sample(sorted(questions), QUESTIONS_PER_CONTEXT)
        pairs = [questions[slot] for slot in chosen]
        if any(len(occurrences(context, answer)) != 1 for _, answer in pairs):
            continue  # an answer that occurs twice (or not at all) would make the span ambiguous: draw again
        yield made, kind, context, pairs
        made += 1


def rows(split: str, rng: random.Random) -> list[dict]:
    out = []
    for number, kind, context, pairs in contexts(split, CONTEXTS[split], rng):
        for index, (question, answer) in enumerate(pairs):
            (start,) = occurrences(context, answer)
            out.append({"id": f"{split}-{number:04d}-{index}", "context": context, "question": question,
                        "answers": {"text": [answer], "answer_start": [start]}, "kind": kind})
    return out


def main() -> None:
    rng = random.Random(SEED)
    OUT.mkdir(exist_ok=True)
    for split in ("train", "test"):
        data = rows(split, rng)
        with open(OUT / f"{split}.jsonl", "w", encoding="utf-8") as file:
            for row in data:
                file.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{split}: {len(data)} questions on {len(data) // QUESTIONS_PER_CONTEXT} contexts")


if __name__ == "__main__":
    main()
