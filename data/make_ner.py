"""Write data/ner/train.jsonl and data/ner/test.jsonl: an English named-entity data set for this course.

Every sentence comes from a template written for this course, filled with names from lists written
for this course. Tags are IOB2 over CoNLL-2003's four types: PER (people), ORG (companies, clubs,
agencies, universities), LOC (cities, countries, regions, rivers, mountains) and MISC
(nationalities, languages, events, awards, products). Dates, numbers and titles ("Dr.") are O.

The test split measures generalization, so it shares nothing with train but the tag set:
- its templates are held out (written apart, never used for a training sentence), and
- its names are held out: every name, and every word a made-up company name is built from, falls
  in one split only (by a checksum of its lower-cased spelling, so the split is stable when lists grow).
A few names are kept out of both splits on purpose (FRESH): the tests and the notebook use them as
new examples ("Hugging Face is a French company based in New York City." comes from the seed).

    python data/make_ner.py          # writes the two files (byte-identical on every run)

Rows: {"tokens": [...], "tags": [...], "domain": ...}. To choose training settings without the test
split, `development_split()` makes the same kind of split again out of train's own templates and names.
"""

from __future__ import annotations

import json
import random
import re
import zlib
from collections import Counter
from pathlib import Path

SEED = 12
HERE = Path(__file__).parent / "ner"
TRAIN_PER_DOMAIN = 400
TEST_PER_DOMAIN = 100
DOMAINS = ("news", "business", "travel", "sport", "science", "everyday")

# Kept out of both splits: the course's fresh examples.
FRESH = {"hugging face", "new york city", "new york", "tallinn", "zanzibar", "ottawa", "beatrix", "okonkwo",
         "quillon", "duolingo", "ferrari", "tour de france", "kenji watanabe",
         # written after round 2 was, before any model trained on it was run
         "tomasz wierzbicki", "hanseatic shipping", "gdansk", "moldovan", "baltic cup", "riga",
         "priyanka desai", "pixel fold", "pune"}

# --- names (one entity type each; a name that could be two types is left out) ---------------------
FIRST = """James Mary Robert Linda Michael Sarah David Emma Daniel Olivia Thomas Grace Andrew Hannah Peter
Laura Samuel Chloe Benjamin Alice Mina Jisoo Minho Seojun Haeun Yuna Hiroshi Yuki Kenji Aiko Wei Mei Jun Arjun
Priya Rahul Ananya Vikram Deepa Carlos Sofia Mateo Lucia Diego Valentina Javier Camila Pierre Camille Louis
Amelie Julien Claire Hans Greta Klaus Lena Matthias Ingrid Lars Astrid Erik Freya Giovanni Chiara Marco Giulia
Ahmed Fatima Omar Layla Yusuf Amira Kwame Amara Chidi Ngozi Tunde Zanele Sipho Olga Dmitri Anya Ivan Natalia
Piotr Agnieszka Jakub Eva Tomas Nikos Eleni Mehmet Ayse Emre Elif Liam Noah Ava Isla Oscar Ruby Felix Nora Iris
Leo Maya Adam Ethan Leah Nathan Rosa Helen George Julia Kofi Abena Raj Sunita Tariq Noor Bao Linh Thanh
Siddharth Meera Kai Aroha Mateus Beatriz Joao Ines Sven Hilde Rafael Marta Ibrahim Aisha Santiago Paula""".split()

LAST = """Smith Johnson Brown Taylor Wilson Clarke Walker Hughes Bennett Foster Park Kim Lee Choi Jung Kang
Yoon Han Tanaka Sato Suzuki Nakamura Chen Wang Zhang Liu Huang Zhao Sharma Patel Gupta Iyer Reddy Singh
Garcia Martinez Lopez Fernandez Morales Herrera Dubois Laurent Moreau Lefevre Girard Muller Schmidt Fischer
Weber Becker Hoffmann Johansson Lindqvist Nilsson Hansen Larsen Rossi Bianchi Romano Ricci Conti Haddad Nasser
Khalil Mansour Okafor Mensah Boateng Adeyemi Nkosi Dlamini Ivanova Petrov Sokolov Kowalski Nowak Novak Horvat
Papadopoulos Yilmaz Demir Kaya O'Brien Murphy Kelly Gallagher Campbell Fraser Stewart Morgan Evans Price
Nguyen Tran Pham Santos Oliveira Costa Pereira Almeida Cohen Levy Friedman Abramov Wu Lin Ito Kato Mori
Ramos Castillo Vega Ortega Fleming Harper Sinclair Whitfield Ashworth Kowalczyk Bakker Visser Jansen Nielsen
Berg Haugen Virtanen Korhonen Ferreira Rahman Chowdhury Osei Achebe Eriksen Takahashi Yamamoto""".split()

PLACES = [
    # cities
    "London", "Berlin", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Warsaw", "Budapest", "Athens", "Dublin",
    "Edinburgh", "Oslo", "Stockholm", "Helsinki", "Copenhagen", "Amsterdam", "Brussels", "Zurich", "Geneva",
    "Munich", "Hamburg", "Milan", "Naples", "Barcelona", "Seville", "Lyon", "Marseille", "Toulouse", "Porto",
    "Krakow", "Istanbul", "Cairo", "Nairobi", "Lagos", "Accra", "Johannesburg", "Cape Town", "Casablanca",
    "Addis Ababa", "Dakar", "Tokyo", "Osaka", "Kyoto", "Seoul", "Busan", "Incheon", "Beijing", "Shanghai",
    "Shenzhen", "Hong Kong", "Taipei", "Singapore", "Bangkok", "Hanoi", "Jakarta", "Manila", "Mumbai", "Delhi",
    "Bangalore", "Chennai", "Karachi", "Dhaka", "Dubai", "Doha", "Riyadh", "Tehran", "Sydney", "Melbourne",
    "Auckland", "Wellington", "Toronto", "Vancouver", "Montreal", "Chicago", "Boston", "Seattle", "San Francisco",
    "Los Angeles", "Miami", "Houston", "Denver", "Atlanta", "Mexico City", "Bogota", "Lima", "Santiago",
    "Buenos Aires", "Sao Paulo", "Rio de Janeiro", "Havana", "Quito", "Caracas", "Montevideo", "Daegu",
    "Gwangju", "Marrakech", "Kampala", "Lusaka", "Perth", "Brisbane", "Glasgow", "Belfast", "Bordeaux",
    # countries
    "France", "Germany", "Spain", "Italy", "Portugal", "Austria", "Poland", "Hungary", "Greece", "Ireland",
    "Norway", "Sweden", "Finland", "Denmark", "the Netherlands", "Belgium", "Switzerland", "Japan",
    "South Korea", "China", "India", "Pakistan", "Bangladesh", "Vietnam", "Thailand", "Indonesia", "Malaysia",
    "the Philippines", "Egypt", "Kenya", "Nigeria", "Ghana", "Ethiopia", "Morocco", "Senegal", "South Africa",
    "Australia", "New Zealand", "Canada", "Mexico", "Brazil", "Argentina", "Chile", "Peru", "Colombia", "Cuba",
    "Iceland", "Turkey", "Iran", "Qatar", "Nepal", "Mongolia", "Ukraine", "Romania", "Croatia", "Serbia",
    "Estonia", "Uganda", "Tanzania", "Zambia", "Laos", "Cambodia",
    # regions, islands, rivers, mountains
    "Bavaria", "Tuscany", "Provence", "Catalonia", "Scotland", "Wales", "Patagonia", "Siberia", "the Sahara",
    "the Alps", "the Andes", "the Himalayas", "the Danube", "the Rhine", "the Nile", "the Mekong", "Jeju Island",
    "Hokkaido", "Bali", "Sicily", "Crete", "Tasmania", "Yorkshire", "Normandy", "Andalusia", "Kyushu",
    "Antarctica", "Greenland", "the Arctic", "Lake Baikal", "Mount Fuji", "Kilimanjaro", "the Balkans",
    "Scandinavia", "Gangwon Province", "the Atlas Mountains", "the Yangtze", "Lake Victoria",
]
# "the" before a place is O (CoNLL): only the name itself is tagged.

NATIONALITIES = """French German Spanish Italian Portuguese Austrian Polish Hungarian Greek Irish Norwegian
Swedish Finnish Danish Dutch Belgian Swiss Japanese Korean Chinese Indian Pakistani Vietnamese Thai Indonesian
Filipino Egyptian Kenyan Nigerian Ghanaian Ethiopian Moroccan Australian Canadian Mexican Brazilian Argentine
Chilean Peruvian Colombian Cuban Icelandic Turkish Iranian Nepali Mongolian Ukrainian Romanian Croatian Serbian
Estonian British American Scottish Welsh European African Asian Scandinavian Russian Ugandan Malaysian
Tanzanian Cambodian Latvian""".split()

LANGUAGES = """French German Spanish Italian Portuguese Polish Hungarian Greek Norwegian Swedish Finnish Danish
Dutch Japanese Korean Chinese Vietnamese Thai Turkish Ukrainian Romanian Russian English Arabic Hindi Swahili
Mandarin Cantonese Bengali Tamil Urdu Hebrew Latin Esperanto Yoruba Zulu Catalan Basque Persian Malay Amharic
Icelandic Punjabi Tagalog""".split()

EVENTS = ["World Cup", "Olympic Games", "Winter Olympics", "Champions League", "Super Bowl",
          "Cannes Film Festival", "Venice Biennale", "Eurovision Song Contest", "Asian Games", "Commonwealth Games",
          "Oktoberfest", "Rugby World Cup", "Ryder Cup", "Davis Cup", "Glastonbury Festival", "Copa America",
          "Mobile World Congress", "Web Summit", "Paralympic Games", "Grand National", "Wimbledon Championships",
          "World Expo", "Sundance Film Festival", "Chelsea Flower Show", "Lunar New Year Parade",
          "Berlinale", "Euro Cup", "Stanley Cup", "America's Cup", "Youth Olympics", "World Science Forum",
          "Film Festival of the Sea", "Busan International Film Festival", "Carnival of Lights",
          "Harvest Moon Festival"]
AWARDS = ["Nobel Prize", "Booker Prize", "Pulitzer Prize", "Fields Medal", "Turing Award", "Grammy Award",
          "Academy Award", "Golden Globe", "Palme d'Or", "Ballon d'Or", "Abel Prize", "Wolf Prize",
          "Kyoto Prize", "Lasker Award", "Pritzker Prize", "Emmy Award", "Tony Award", "Prix Goncourt",
          "Nebula Award", "Kavli Prize", "Crafoord Prize", "Breakthrough Prize", "Stirling Prize", "Brit Award",
          "Polaris Prize", "Copley Medal", "Holberg Prize", "Shaw Prize"]
PRODUCTS = ["iPhone", "Galaxy Note", "PlayStation", "Xbox", "Kindle", "Walkman", "Prius", "Corolla", "Beetle",
            "Boeing 747", "Airbus A380", "Android", "Photoshop", "Excel", "Minecraft", "Tetris", "Pokemon Go",
            "Thermomix", "Roomba", "Instant Pot", "Game Boy", "MacBook", "ThinkPad", "Surface Pro", "Vespa",
            "Model T", "Galaxy Watch", "AirPods", "Fortnite", "Wii", "Kindle Paperwhite", "Nintendo Switch",
            "Jetta", "Civic", "Land Cruiser", "Walkie Talkie Pro", "Lumia", "Zune", "Tamagotchi", "Rubik's Cube",
            "Segway", "GoPro", "Chromebook", "Sonata", "Ioniq", "Kona"]

REAL_ORGS = ["Samsung", "Toyota", "Siemens", "Nestle", "Unilever", "Reuters", "BBC", "UNESCO", "UNICEF", "NATO",
             "World Health Organization", "European Commission", "Red Cross", "Greenpeace", "Oxfam",
             "Amnesty International", "Microsoft", "Google", "IBM", "Intel", "Nvidia", "Netflix", "Spotify",
             "Airbnb", "Uber", "Volkswagen", "Renault", "Fiat", "Ikea", "Lufthansa", "Ryanair", "Emirates",
             "Qantas", "Manchester United", "Arsenal", "Juventus", "Ajax", "Celtic", "Yale University",
             "Harvard University", "MIT", "Stanford University", "Sorbonne", "CERN", "NASA", "European Space Agency",
             "Max Planck Institute", "Pasteur Institute", "Hyundai", "LG", "Kia", "Naver", "Kakao", "Sony",
             "Nintendo", "Honda", "Panasonic", "Alibaba", "Tencent", "Huawei", "Infosys", "Tata Motors",
             "Petrobras", "Heineken", "Adidas", "Nike", "Lego", "Philips", "Ericsson", "Nokia", "Deutsche Bank",
             "Barclays", "HSBC", "Goldman Sachs", "World Bank", "International Monetary Fund", "United Nations",
             "African Union", "FIFA", "UEFA", "International Olympic Committee", "Doctors Without Borders",
             "Mozilla", "DeepMind", "Associated Press", "Al Jazeera", "Interpol", "Europol", "Boca Juniors",
             "Inter Milan", "Borussia Dortmund", "Chelsea", "Liverpool", "Everton", "Benfica", "Galatasaray",
             "Oxford University", "Cambridge University", "Seoul National University", "Kyoto University",
             "Coupang", "Lotte", "Posco", "Rakuten", "Baidu", "Xiaomi", "Zalando", "Carrefour", "Tesco",
             "Walmart", "Boeing", "Airbus", "Pfizer", "Novartis", "Roche", "Bayer", "BMW", "Audi", "Porsche"]
# Made-up company names: one or two ordinary words, often with a kind of business after them. Plain
# words on purpose: an uncased model must tell "smiling fox" the company from its context, not its spelling.
ORG_FIRST = """Blue Silver Golden Northern Bright Quiet Swift Little Green Red Crimson Iron Open Clear Wild Rapid
Solar Brave Happy Smiling Hidden Gentle Bold Curious Purple Electric Polar Cosmic Urban Royal Ancient Modern
Sunny Stormy Silent Amber Velvet Copper Maple Cedar Paper Lucky Honest Clever Sleepy Dancing Flying Humble
Noble Pioneer Summit Harbor Granite Orbit Vertex Nova Zenith Lumen Kestrel Quanta Brightwell Novalink Zentrix
Tidewater Redwood Bluebird Ironclad Starlight Oakridge Riverbend Westfield Eastgate Highland""".split()
ORG_SECOND = """Fox Bear River Stone Harbor Crane Kite Lantern Bridge Forest Peak Wave Spoon Anchor Owl Falcon
Tiger Leaf Meadow Compass Arrow Orchard Beacon Ridge Pebble Candle Garden Tree Cloud Feather Road Key Door Window
Rock Bee Whale Otter Badger Heron Rabbit Penguin Dragon Lotus Mountain Canyon Wolf Hawk Sparrow Acorn Spark
Engine Signal Pixel Circuit Thread Needle Bottle Basket Ladder Mill Forge Lighthouse""".split()
ORG_KINDS = """Labs Group Systems Bank Airlines Motors Foods Media Energy Pharma Capital Studios Robotics Analytics
Insurance Publishing Logistics Records Technologies Partners Holdings Foundation Software Games Health Hotels
Brewery Institute Ltd Corporation Press Network Mobility Biotech Ventures""".split()

# --- filler words (all tagged O) ------------------------------------------------------------------
FILLERS = {
    "NUM": ["two", "three", "five", "ten", "twelve", "12", "40", "250", "1,200", "35", "seven", "80", "15"],
    "MONTH": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
              "October", "November", "December"],
    "DAY": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "YEAR": ["1998", "2003", "2009", "2012", "2015", "2018", "2020", "2021", "2023"],
    "KIND": ["company", "firm", "start-up", "bank", "retailer", "software company", "carmaker", "airline",
             "publisher", "games studio"],
}

# --- templates: {PER} {PER2} {FIRST} {FIRST2} {LAST} {ORG} {ORG2} {LOC} {LOC2} {NAT} {NAT2} {LANG} {LANG2}
# {EVENT} {AWARD} {PROD} are entities; {NUM} {MONTH} {DAY} {YEAR} {KIND} are fillers (O). ---------------
TRAIN_TEMPLATES = {
    "news": [
        "{PER}, the {NAT} foreign minister, arrived in {LOC} on {DAY} for talks with {PER2}.",
        "Officials in {LOC} said the storm had closed schools across the region.",
        "{ORG} said on {DAY} that it would cut {NUM} jobs in {LOC}.",
        "Protesters gathered outside the offices of {ORG} in {LOC} late on {DAY}.",
        "The {NAT} government has asked {ORG} to explain the delay.",
        "{PER} won the election in {LOC} with {NUM} percent of the vote.",
        "Speaking in {LANG}, {PER} thanked the people of {LOC} for their support.",
        "A spokesperson for {ORG} declined to comment on the report.",
        "Police in {LOC} are searching for a man who escaped on {DAY}.",
        "{PER} told reporters that talks with {ORG} would continue next week.",
        "The mayor of {LOC}, {PER}, announced a new housing plan.",
        "According to {ORG}, prices in {LOC} rose by {NUM} percent in {MONTH}.",
        "{NAT} and {NAT2} diplomats met in {LOC} to discuss the border dispute.",
        "Minister {LAST} will testify before the committee in {MONTH}.",
        "The report, published by {ORG}, warns that {LOC} faces water shortages.",
        "{PER}, a reporter for {ORG}, was released after two days in custody.",
        "The council will meet again next month to discuss the budget.",
        "Heavy rain is expected across the north over the weekend.",
    ],
    "business": [
        "{ORG} is a {NAT} {KIND} based in {LOC}.",
        "Shares of {ORG} fell {NUM} percent after the results were released.",
        "{PER}, chief executive of {ORG}, said demand for the {PROD} was strong.",
        "{ORG} agreed to buy {ORG2} for {NUM} million dollars.",
        "The company opened its first store in {LOC} in {MONTH}.",
        "{PER} founded {ORG} in {LOC} in {YEAR}.",
        "{ORG} will launch the {PROD} in {LOC} next spring.",
        "Analysts at {ORG} expect profits to rise this year.",
        "{PER} joined {ORG} as finance director in {MONTH}.",
        "The {NAT} {KIND} {ORG} recalled {NUM} thousand vehicles.",
        "Investors in {LOC} welcomed the deal between {ORG} and {ORG2}.",
        "{ORG} has hired {PER} to run its operations in {LOC}.",
        "Sales of the {PROD} doubled in {LOC} last quarter.",
        "{PER} left {ORG} in {MONTH} {YEAR} to start {ORG2}.",
        "Mr. {LAST} told the board of {ORG} that the merger was off.",
        "{ORG}, which makes the {PROD}, employs {NUM} thousand people worldwide.",
        "Profits fell sharply in the second half of the year.",
        "The new factory will employ about two hundred workers.",
    ],
    "travel": [
        "We flew from {LOC} to {LOC2} with {ORG}.",
        "{PER} spent three weeks hiking in {LOC}.",
        "The best time to visit {LOC} is in {MONTH}.",
        "Our guide, {PER}, spoke {LANG} and a little {LANG2}.",
        "The hotel in {LOC} was full of {NAT} tourists.",
        "{ORG} has cancelled all flights to {LOC} until {DAY}.",
        "From {LOC}, the train takes four hours to reach {LOC2}.",
        "I booked a room in {LOC} through {ORG}.",
        "{PER} recommends the night market in {LOC}.",
        "Menus in {LOC} are printed in {LANG} and {LANG2}.",
        "The ferry from {LOC} to {LOC2} leaves every morning.",
        "We arrived in {LOC} just in time for the {EVENT}.",
        "{PER} and {PER2} drove across {LOC} in a rented van.",
        "Visitors to {LOC} need a visa unless they hold a {NAT} passport.",
        "Our host, Mrs. {LAST}, cooked a {NAT} dinner for everyone.",
        "The beach was quiet and the water was warm.",
        "Pack light and bring good walking shoes.",
    ],
    "sport": [
        "{PER} scored twice as {ORG} beat {ORG2} three to one.",
        "The {NAT} team won gold at the {EVENT}.",
        "{PER} will miss the {EVENT} with a knee injury.",
        "{ORG} have signed the {NAT} midfielder {PER}.",
        "Coach {PER} praised his players after the win in {LOC}.",
        "The final of the {EVENT} will be played in {LOC}.",
        "{PER} beat {PER2} in straight sets to reach the final.",
        "Fans of {ORG} celebrated in the streets of {LOC}.",
        "{PER} finished third in the marathon behind two {NAT} runners.",
        "{ORG} sacked their manager after a defeat to {ORG2}.",
        "{LOC} will host the {EVENT} for the first time.",
        "{PER}, who plays for {ORG}, was named player of the year.",
        "Tickets for the {EVENT} sold out in an hour.",
        "{LAST} set a new national record in {LOC} on {DAY}.",
        "The match was stopped for ten minutes because of heavy rain.",
        "Both teams looked tired in the second half.",
    ],
    "science": [
        "Researchers at {ORG} have found a new species of frog in {LOC}.",
        "{PER}, a physicist at {ORG}, won the {AWARD} in {YEAR}.",
        "A telescope in {LOC} captured images of the comet.",
        "{ORG} will send a probe to study the ice near {LOC}.",
        "{PER} and {PER2} shared the data with colleagues in {LOC}.",
        "The paper was translated into {LANG} by {PER}.",
        "{NAT} scientists have sequenced the genome of the plant.",
        "{PER} presented the results at the {EVENT}.",
        "The vaccine was developed by {ORG} in {LOC}.",
        "According to {PER} of {ORG}, the glacier is melting faster than expected.",
        "Samples from {LOC} were analysed by {NAT} and {NAT2} teams.",
        "{ORG} funded the experiment with a grant of {NUM} million euros.",
        "Dr. {LAST} said the trial would end in {MONTH}.",
        "The team used a {PROD} to record the birds at night.",
        "The results suggest that the drug works better in younger patients.",
        "Cells were grown in a warm, dark room for three days.",
    ],
    "everyday": [
        "My sister {FIRST} moved to {LOC} last year.",
        "I bought a new {PROD} yesterday and it already stopped working.",
        "{PER} is learning {LANG} before her trip to {LOC}.",
        "We watched the {EVENT} at {FIRST}'s house.",
        "Call {FIRST} when you get to {LOC}.",
        "My neighbour works for {ORG} in {LOC}.",
        "{FIRST} and {FIRST2} are getting married in {LOC} in {MONTH}.",
        "Our son wants a {PROD} for his birthday.",
        "I ordered the {NAT} breakfast and {FIRST} had pancakes.",
        "The package from {ORG} arrived two days late.",
        "{PER} taught me to cook when we lived in {LOC}.",
        "Grandma still writes letters in {LANG} to her friends in {LOC}.",
        "We saw {PER} at the supermarket on {DAY}.",
        "{FIRST} got a job at {ORG} after graduating.",
        "I left my umbrella on the bus again.",
        "Dinner is at seven, so please don't be late.",
    ],
}
# Round 2 (train only): written after a first model, trained on round 1 alone, tagged a handful of
# fresh sentences wrongly. More frames where a company is the subject or follows "from", and where a
# language follows a verb, so that position alone says less. Their sentences follow round 1's in train.
ROUND_2_TEMPLATES = {
    "news": [
        "{ORG}, a {KIND} from {LOC}, has been fined by regulators.",
        "Engineers from {ORG} arrived in {LOC} to repair the bridge.",
        "The talks between {ORG} and the {NAT} government ended without a deal.",
        "{PER} denied the claims in an interview with {ORG}.",
        "Residents of {LOC} say {ORG} ignored their complaints.",
        "A court in {LOC} ordered {ORG} to pay damages to {PER}.",
    ],
    "business": [
        "{ORG} is a {KIND} from {LOC} that makes the {PROD}.",
        "{ORG} has sold its products in {LOC} since {YEAR}.",
        "{ORG} was started by {PER} and {PER2} in a garage in {LOC}.",
        "The {NAT} group {ORG} bought a stake in {ORG2}.",
        "A letter from {ORG} confirmed the new prices.",
        "{ORG} makes the {PROD} and employs engineers in {LOC}.",
    ],
    "travel": [
        "{ORG} runs three flights a week from {LOC} to {LOC2}.",
        "The tour was run by {ORG}, a small {KIND} from {LOC}.",
        "Our driver, {PER}, grew up in {LOC} and speaks fluent {LANG}.",
        "We met {PER} from {ORG} at the airport in {LOC}.",
        "The {NAT} guide told us the history of the castle in {LANG}.",
        "Most shops in {LOC} close early on {DAY}.",
    ],
    "sport": [
        "{ORG} is a football club from {LOC} founded in {YEAR}.",
        "Scouts from {ORG} watched {PER} play in {LOC}.",
        "{PER} moved from {ORG} to {ORG2} for a record fee.",
        "The {EVENT} was won by a {NAT} rider.",
        "{PER} represented {LOC} at the {EVENT}.",
        "Supporters from {LOC} travelled to see {ORG} play.",
    ],
    "science": [
        "{ORG} is a research institute based in {LOC}.",
        "A team from {ORG} published the study with {PER}.",
        "{PER} studied old {LANG} texts at {ORG}.",
        "The {NAT} researcher {PER} won the {AWARD}.",
        "Data from {ORG} show that winters in {LOC} are getting warmer.",
        "{PER} built the first {PROD} prototype at {ORG}.",
    ],
    "everyday": [
        "{PER} teaches {LANG} to children in {LOC}.",
        "My brother works as a nurse for {ORG}.",
        "I got a refund from {ORG} after a long phone call.",
        "{FIRST} is fluent in {LANG} and {LANG2}.",
        "We are driving to {LOC} to visit {FIRST} and her kids.",
        "My nephew saved up for a {PROD}.",
    ],
}
ROUND_2_PER_DOMAIN = 100

TEST_TEMPLATES = {
    "news": [
        "Thousands lined the streets of {LOC} as {PER} returned from exile.",
        "In a statement, {ORG} blamed the outage on a faulty cable near {LOC}.",
        "{PER} has resigned as head of {ORG} after {NUM} years in the post.",
        "The {NAT} embassy in {LOC} will stay closed until further notice.",
        "Lawmakers questioned {PER} about the contract with {ORG}.",
        "Rescue teams worked through the night to reach the village.",
    ],
    "business": [
        "Headquartered in {LOC}, {ORG} sells software to hospitals.",
        "{PER} stepped down from the board of {ORG} on {DAY}.",
        "A {NAT} investor has taken a stake in {ORG}.",
        "{ORG} reported record revenue thanks to the {PROD}.",
        "The merger makes {ORG} the largest employer in {LOC}.",
        "Markets closed higher after a quiet day of trading.",
    ],
    "travel": [
        "After a night in {LOC}, {PER} took the bus to {LOC2}.",
        "Few travellers know that {LOC} has a {NAT} quarter.",
        "The cheapest fares to {LOC} are sold by {ORG}.",
        "Ask {PER} at the front desk for a map of {LOC}.",
        "Signs along the road were written only in {LANG}.",
        "The view from the top of the hill was worth the climb.",
    ],
    "sport": [
        "A late goal from {PER} sent {ORG} to the top of the table.",
        "{NAT} cyclists dominated the {EVENT} this year.",
        "{ORG} travel to {LOC} on {DAY} for the return leg.",
        "It was the first {EVENT} title for {PER}.",
        "The stadium in {LOC} was half empty when {ORG} kicked off.",
        "The referee showed two yellow cards in the first ten minutes.",
    ],
    "science": [
        "Working with {ORG}, {PER} mapped the sea floor off {LOC}.",
        "Fossils found near {LOC} are older than anyone thought.",
        "{PER} received the {AWARD} for work on batteries.",
        "The {NAT} space agency confirmed the launch date on {DAY}.",
        "Professor {LAST} of {ORG} measured the signal for {NUM} hours.",
        "The experiment was repeated five times with the same result.",
    ],
    "everyday": [
        "Have you met {FIRST}, my cousin from {LOC}?",
        "Dad finally replaced his old {PROD}.",
        "{PER} lent us her car for the weekend.",
        "The kids watched the {EVENT} on television until midnight.",
        "My aunt sends us {NAT} sweets every winter from {LOC}.",
        "The cat knocked a glass off the table this morning.",
    ],
}

SLOT_TYPES = {"PER": "PER", "FIRST": "PER", "LAST": "PER", "ORG": "ORG", "LOC": "LOC", "NAT": "MISC",
              "LANG": "MISC", "EVENT": "MISC", "AWARD": "MISC", "PROD": "MISC"}
SLOT = re.compile(r"\{([A-Z]+?)(\d?)\}")
WORD = re.compile(r"'s\b|\w+(?:[-'.]\w+)*|[^\w\s]")


def split_of(name: str) -> str:
    """'test' for about a quarter of all names, 'train' for the rest: fixed by the spelling alone.

    Inside train, a second checksum sets a quarter apart again ('dev-val', the rest 'dev-train'):
    `development_split` uses it to choose training settings without looking at the test split.
    """
    if zlib.crc32(name.lower().encode()) % 4 == 0:
        return "test"
    return "dev-val" if zlib.crc32(b"dev:" + name.lower().encode()) % 4 == 0 else "dev-train"


def in_split(name: str, split: str) -> bool:
    """Whether a name belongs to `split`: "train", "test", or a part of train ("dev-train", "dev-val")."""
    where = split_of(name)
    return where == split or (split == "train" and where.startswith("dev-"))


def words(text: str) -> list[str]:
    """Split text into words and punctuation, the way CoNLL writes its tokens ("Park", "'s", ".")."""
    return WORD.findall(text)


def pools(split: str) -> dict[str, list[str]]:
    """Each slot's names for one split (nothing in FRESH, nothing the other split has)."""
    def keep(names):
        return sorted({n for n in names if in_split(n, split) and n.lower() not in FRESH})

    first, last = keep(FIRST), keep(LAST)
    made_up = [f"{a} {b}" for a in keep(ORG_FIRST) for b in keep(ORG_SECOND)]
    return {"FIRST": first, "LAST": last, "ORG": keep(REAL_ORGS), "MADE_UP_ORG": made_up,
            "ORG_KIND": sorted(ORG_KINDS), "LOC": keep(PLACES), "NAT": keep(NATIONALITIES),
            "LANG": keep(LANGUAGES), "EVENT": keep(EVENTS), "AWARD": keep(AWARDS), "PROD": keep(PRODUCTS)}


class NameDrawer:
    """Draws names so that every name of a pool is used before any is used again (many distinct names)."""

    def __init__(self, pool: dict[str, list[str]], rng: random.Random):
        self.pool, self.rng, self.queues = pool, rng, {}

    def draw(self, kind: str) -> str:
        queue = self.queues.get(kind)
        if not queue:
            queue = self.queues[kind] = list(self.pool[kind])
            self.rng.shuffle(queue)
        return queue.pop()

    def name(self, slot: str) -> str:
        if slot == "PER":
            return f"{self.draw('FIRST')} {self.draw('LAST')}"
        if slot == "ORG":
            if self.rng.random() < 0.45:
                return self.draw("ORG")
            made_up = self.draw("MADE_UP_ORG")
            return made_up if self.rng.random() < 0.35 else f"{made_up} {self.draw('ORG_KIND')}"
        return self.draw(slot)


def fill(template: str, drawer: NameDrawer, rng: random.Random) -> tuple[list[str], list[str]]:
    """One sentence from a template: its tokens and IOB2 tags. Two slots of one kind get two names."""
    tokens, tags, chosen, at = [], [], {}, 0
    for match in SLOT.finditer(template):
        literal = words(template[at:match.start()])
        tokens += literal
        tags += ["O"] * len(literal)
        slot, number = match.group(1), match.group(2)
        if slot in FILLERS:
            value = rng.choice(FILLERS[slot])
            kind = None
        else:
            value = drawer.name(slot)
            while value in chosen.values():
                value = drawer.name(slot)
            chosen[slot + number] = value
            kind = SLOT_TYPES[slot]
        piece = words(value)
        if kind is not None and piece[0] == "the":  # "the Netherlands": the article is not part of the name
            tokens.append(piece.pop(0))
            tags.append("O")
        tokens += piece
        tags += ["O"] * len(piece) if kind is None else [f"B-{kind}"] + [f"I-{kind}"] * (len(piece) - 1)
        at = match.end()
    literal = words(template[at:])
    tokens += literal
    tags += ["O"] * len(literal)
    if tokens and tokens[0] == "the":  # a sentence that opens with a place like "the Alps"
        tokens[0] = "The"
    return tokens, tags


def make_split(split: str, templates: dict[str, list[str]], per_domain: int, rng: random.Random) -> list[dict]:
    drawer = NameDrawer(pools(split), rng)
    rows, seen = [], Counter()
    for domain in DOMAINS:
        order = list(enumerate(templates[domain]))
        made = 0
        while made < per_domain:
            rng.shuffle(order)
            for _, template in order:  # (the numbers only keep the draw order of the first release)
                if made == per_domain:
                    break
                tokens, tags = fill(template, drawer, rng)
                sentence = " ".join(tokens)
                # a sentence with names appears once; one without names (it never varies) at most twice
                if seen[sentence] >= (1 if set(tags) != {"O"} else 2):
                    continue
                seen[sentence] += 1
                rows.append({"tokens": tokens, "tags": tags, "domain": domain})
                made += 1
    rng.shuffle(rows)
    return rows


def development_split(seed: int = SEED) -> tuple[list[dict], list[dict]]:
    """(dev_train, dev_val): sentences made only of TRAIN's templates and names, split the way test is.

    A quarter of each domain's training templates and a quarter of the training names are held out
    for dev_val; dev_train uses the rest. Nothing here comes from the test split, so settings chosen on
    dev_val leave the test figures honest.
    """
    rng = random.Random(seed + 1)
    held = {d: [t for i, t in enumerate(ts) if i % 4 == 3] for d, ts in TRAIN_TEMPLATES.items()}
    kept = {d: [t for i, t in enumerate(ts) if i % 4 != 3] for d, ts in TRAIN_TEMPLATES.items()}
    dev_train = make_split("dev-train", kept, TRAIN_PER_DOMAIN * 3 // 4, rng)
    dev_val = make_split("dev-val", held, TEST_PER_DOMAIN, rng)
    return dev_train, dev_val


def entities(row: dict) -> list[tuple[str, str]]:
    """(type, text) of every entity in a row."""
    found, current = [], None
    for token, tag in zip(row["tokens"], row["tags"], strict=True):
        if tag.startswith("B-"):
            current = [tag[2:], [token]]
            found.append(current)
        elif tag.startswith("I-") and current is not None:
            current[1].append(token)
        else:
            current = None
    return [(kind, " ".join(parts)) for kind, parts in found]


def check(train: list[dict], test: list[dict]) -> None:
    """The promises of the docstring: no shared names, no shared templates, no fresh names anywhere."""
    train_names = {text.lower() for row in train for _, text in entities(row)}
    test_names = {text.lower() for row in test for _, text in entities(row)}
    assert not train_names & test_names, sorted(train_names & test_names)[:10]
    for split in (train_names, test_names):
        assert not split & FRESH, sorted(split & FRESH)
    train_templates = {t for group in (TRAIN_TEMPLATES, ROUND_2_TEMPLATES) for ts in group.values() for t in ts}
    assert not train_templates & {t for ts in TEST_TEMPLATES.values() for t in ts}
    assert len({" ".join(r["tokens"]) for r in train if set(r["tags"]) != {"O"}}) == \
        sum(set(r["tags"]) != {"O"} for r in train)  # no sentence with names twice
    sentences = {" ".join(r["tokens"]).lower() for r in train}
    assert not any(" ".join(r["tokens"]).lower() in sentences for r in test if set(r["tags"]) != {"O"})


def summary(name: str, rows: list[dict]) -> str:
    kinds = Counter(kind for row in rows for kind, _ in entities(row))
    distinct = {kind: len({t.lower() for r in rows for k, t in entities(r) if k == kind}) for kind in kinds}
    return (f"{name}: {len(rows)} sentences, entities " +
            ", ".join(f"{k} {kinds[k]} ({distinct[k]} distinct)" for k in ("PER", "ORG", "LOC", "MISC")))


def line(row: dict) -> str:
    """One row as the files store it: compact JSON, one line."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


def make_all() -> tuple[list[dict], list[dict]]:
    """(train, test): round 1 of train, then test, then round 2 of train (its own random stream, so
    the test split stayed byte-identical when round 2 was added)."""
    rng = random.Random(SEED)
    train = make_split("train", TRAIN_TEMPLATES, TRAIN_PER_DOMAIN, rng)
    test = make_split("test", TEST_TEMPLATES, TEST_PER_DOMAIN, rng)
    train += make_split("train", ROUND_2_TEMPLATES, ROUND_2_PER_DOMAIN, random.Random(SEED + 2))
    check(train, test)
    return train, test


def main() -> None:
    train, test = make_all()
    HERE.mkdir(exist_ok=True)
    for name, rows in (("train", train), ("test", test)):
        with open(HERE / f"{name}.jsonl", "w", encoding="utf-8") as out:
            for row in rows:
                out.write(line(row))
        print(summary(name, rows))


if __name__ == "__main__":
    main()
