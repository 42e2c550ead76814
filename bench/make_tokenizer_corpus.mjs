#!/usr/bin/env node
// Writes the tokenizer benchmark's input: JSONL, one {"text": ...} object per document, documents
// of 200 B to 50 KB drawn log-uniformly, about 12 MB of UTF-8 text in all. The mix is meant to look
// like a chat / long-document training set: mostly English prose, then chat turns with emoji and
// markdown, source code, Chinese and Japanese, tables and logs full of numbers, and a little
// French, Spanish, German, Russian and Korean.
//
// Everything comes from a seeded generator, so the same arguments always write the same bytes; the
// C++ and JavaScript benchmarks read the file this writes, never their own copies.
//
//   node bench/make_tokenizer_corpus.mjs OUT.jsonl [--mb 12] [--seed 20240601]
//
// A summary of what was written (documents, bytes per kind, distinct words) goes to stderr.
import { renameSync, writeFileSync } from "node:fs";

// ------------------------------------------------------------------------------------------------
// Random numbers: a Weyl sequence pushed through a 32-bit avalanche mix, seeded from the command
// line; nothing reads Math.random or the clock, so the same arguments write the same bytes.

class Rng {
  constructor(seed) {
    this.state = seed >>> 0;
  }
  u32() {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  }
  float() {
    return this.u32() / 4294967296;
  }
  int(n) {
    return Math.floor(this.float() * n);
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.float() < p;
  }
  pick(list) {
    return list[this.int(list.length)];
  }
  // Rank r (from 0) with probability falling roughly as 1/(r+1): a few items are common and the
  // rest form a long tail, as words in text do. The range [1, n+1) is halved towards its low end
  // with probability 1/2 at a time, then a point is drawn uniformly in what is left, so each
  // octave of ranks gets about the same total probability.
  zipf(list) {
    const n = list.length;
    let hi = n + 1;
    let lo = 1;
    while (hi - lo > 1 && this.chance(0.5)) hi = lo + Math.max(1, Math.floor((hi - lo) / 2));
    return list[lo - 1 + this.int(hi - lo)];
  }
  // entries: [[weight, value], ...]
  weighted(entries) {
    let total = 0;
    for (const [w] of entries) total += w;
    let x = this.float() * total;
    for (const [w, v] of entries) {
      x -= w;
      if (x < 0) return v;
    }
    return entries[entries.length - 1][1];
  }
  shuffle(list) {
    const a = list.slice();
    for (let i = a.length - 1; i > 0; --i) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

const words = (s) => s.trim().split(/\s+/);

// ------------------------------------------------------------------------------------------------
// English: hand-written paragraphs, reused with their names and figures swapped, and sentences
// built from templates over word lists. Invented words (surnames, places, product names, jargon,
// the odd typo) give the long tail of rare words that real text has.

const PARAGRAPHS = [
  `The harbor at Port Ellery was dredged for the first time in 1872, when the timber trade made the shallow bay too small for the schooners that came down from the north. For almost forty years the town lived on lumber, and the long sheds along the waterfront smelled of resin and tar. When the mills closed, most families expected the place to empty out. Instead, a few of the old captains bought the sheds, patched the roofs, and turned them into workshops for boat repair. By the 1930s the town was known up and down the coast as the place to bring a damaged hull, and the repair yards employed more people than the mills ever had.`,
  `A sourdough starter is nothing more than flour and water that has been colonized by wild yeast and lactic acid bacteria. Feed it twice a day at room temperature and it will double in size within six to eight hours; leave it in the refrigerator and it will slow down enough that a weekly feeding is plenty. The most common mistake beginners make is using the starter too early or too late. If you mix your dough when the starter has just peaked, the bread will rise evenly and taste mildly sour. If you wait until it has collapsed, expect a denser crumb and a sharper tang.`,
  `At 02:14 on Tuesday the on-call engineer was paged because the checkout service had started returning errors for roughly one request in twenty. The dashboards showed nothing unusual about CPU or memory, but the connection pool to the payments database was saturated. It turned out that a configuration change deployed the previous afternoon had lowered the pool size from 50 to 5 on half of the hosts. Rolling back the change restored normal error rates within eleven minutes. In the review that followed, the team agreed to add a check that rejects any pool size below a safe minimum and to alert on pool saturation directly, rather than waiting for customers to notice.`,
  `Every autumn, millions of small songbirds cross the Gulf of Mexico in a single night, flying more than 800 kilometers without stopping to rest or feed. Researchers once assumed that only large birds could manage such a journey, but tracking studies have shown that warblers weighing less than a teaspoon of sugar routinely make the crossing. They prepare by eating almost constantly for two or three weeks, sometimes doubling their body weight in fat. If a storm pushes them off course, many of them land exhausted on oil platforms or fishing boats, where they rest for a day before continuing south.`,
  `Before you decide how much to put into a retirement account, write down what you actually spend in a typical month. Most people underestimate irregular costs such as car repairs, annual subscriptions, and gifts, so look back over a full year of statements rather than a single month. Once you have an honest number, aim to keep three to six months of expenses in a savings account you can reach quickly. Only after that cushion is in place does it make sense to think about investing for the long term, because an emergency that forces you to sell investments at a bad moment can undo years of careful saving.`,
  `The night train from Vienna reached the border a little after four in the morning. Nobody came to check passports anymore, but the train still stopped for twenty minutes while the crew changed the locomotive, and in the quiet you could hear the generators humming under the platform lights. Anna had booked a couchette because it was cheaper than a hotel, and she had shared the compartment with a retired teacher who talked about mountain villages until well past midnight. Now the teacher was asleep, one arm over her eyes, and the window showed nothing but fog and the occasional shape of a pine tree.`,
  `Solar panels lose a small fraction of their efficiency every year, usually around 0.5 percent, because of slow chemical changes in the silicon and the materials that protect it. That sounds minor, but over a 25-year warranty period it adds up to a noticeable drop in output. Heat makes the problem worse: a panel on a hot roof in July produces less power than the same panel on a cold, clear day in March. Installers in warm climates therefore leave a gap between the panels and the roof so that air can circulate and carry some of the heat away.`,
  `Doctors have known for a long time that regular physical activity lowers the risk of heart disease, but newer studies suggest that the benefits begin at surprisingly low levels. In one large study that followed more than 30,000 adults for a decade, people who walked briskly for just fifteen minutes a day had noticeably fewer heart attacks than those who did almost nothing. The researchers were careful to point out that their data could not prove cause and effect. Still, the pattern held after they adjusted for age, smoking, income, and diet, which makes it harder to explain away.`,
  `Either party may terminate this Agreement by giving the other party at least thirty (30) days' written notice. Termination shall not affect any rights or obligations that accrued before the effective date of termination, including the obligation to pay fees for services already performed. Sections 4, 7, and 9 shall survive any termination or expiration of this Agreement. Notices must be delivered by hand, by registered mail, or by email with confirmation of receipt, and shall be deemed received on the date of delivery.`,
  `With four minutes left in the second half, the visitors were down by two goals and had been reduced to ten players after a harsh red card. Their coach made a double substitution that looked more like surrender than strategy, taking off a defender and a tired midfielder and sending on two teenagers who had barely played all season. Within ninety seconds, one of them had won a penalty. The captain scored it, and the stadium, which had been half empty by then, suddenly filled with noise as fans who had left early hurried back from the car park.`,
  `On a clear night far from city lights, you can see roughly 2,500 stars with the naked eye. That number sounds large until you remember that our galaxy alone contains somewhere between 100 and 400 billion of them. Almost every star you can see is within a few thousand light years of Earth, which is a tiny neighborhood by galactic standards. The faint band of the Milky Way is the combined glow of countless more distant stars that are too dim to pick out individually.`,
  `Teachers often say that the best way to learn something is to explain it to someone else, and there is good evidence behind the claim. When students prepare to teach a topic, they organize the material differently than when they prepare for a test: they look for the main ideas, anticipate questions, and notice the gaps in their own understanding. In one classroom experiment, students who expected to teach a short passage remembered more of it a week later than students who expected to be quizzed, even though neither group actually taught anyone.`,
  `Tomatoes need at least six hours of direct sun, steady watering, and soil that drains well. Water them deeply at the base of the plant in the morning rather than sprinkling the leaves in the evening, because wet leaves overnight invite fungal diseases. When the first fruits appear, pinch off the small shoots that grow in the joint between the main stem and the branches. The plant will put more of its energy into the fruit, and the better air flow will help keep the foliage healthy through the humid weeks of late summer.`,
  `I have been using this keyboard for about three months now, mostly for programming and writing long emails. The keys have a light, quiet action that took a few days to get used to, but my hands are noticeably less tired at the end of the day. Battery life is excellent: I charged it once in the first six weeks. My only real complaint is the software, which insists on running in the background and asks me to sign in before I can change a single shortcut. If you can live with that, it's an easy recommendation at $89.`,
  `The central bank left its main interest rate unchanged at 4.25% on Thursday, as expected, but signaled that it could begin cutting rates later in the year if inflation continues to ease. Consumer prices rose 2.8% in the twelve months to May, down from a peak of more than 9% two years earlier. Several members of the rate-setting committee argued that wage growth remained too strong to justify an early move. Markets reacted calmly, with government bond yields falling slightly and the currency little changed against the dollar.`,
  `We tend to think of memory as a kind of recording, a faithful copy of events that we can replay whenever we like. The evidence points in a different direction. Each time we recall something, we rebuild it from fragments, filling the gaps with what seems likely, and the rebuilt version is what gets stored again. This is why two people who were present at the same dinner can disagree, sincerely and in detail, about who said what. Neither of them is lying; both are reconstructing, and their reconstructions have drifted apart.`,
  `Heat two tablespoons of olive oil in a large pan over medium heat. Add the chopped onion and a pinch of salt, and cook, stirring now and then, until it turns soft and golden, about 10 minutes. Stir in the garlic and the cumin and cook for one more minute, just until fragrant. Add the tomatoes with their juice, break them up with a wooden spoon, and let the sauce simmer uncovered for 20 minutes. Taste it before serving; if it is too sharp, a teaspoon of sugar or a knob of butter will round it out.`,
  `Thank you for contacting us about your order #48213. I'm sorry to hear that the package arrived damaged. I have arranged for a replacement to be shipped today at no extra cost, and you should receive a tracking number by email within the next few hours. There is no need to return the damaged item; please dispose of it or recycle the packaging as you see fit. If there is anything else I can help with, just reply to this message and it will come straight back to me.`,
  `Training a large language model on long documents is expensive mostly because attention compares every token with every other token in the same sequence. If a batch contains one document of 30,000 tokens and many short ones, padding everything to the longest length wastes most of the compute. Packing several short sequences into one row and masking attention so they cannot see each other recovers that waste, but it changes how the loss is averaged. A sequence that happens to share a pack with many short samples would otherwise receive less weight than it deserves.`,
  `When the city narrowed the avenue from four lanes to two and added protected bike lanes, local shop owners predicted disaster. They argued that customers would not be able to park and would simply drive to the mall instead. Two years later, the data told a different story. Foot traffic on the avenue rose by nearly a fifth, vacant storefronts fell from eleven to three, and the number of serious crashes dropped by half. Several of the owners who had opposed the plan now ask the city to extend it to the next neighborhood.`,
  `"You're late," said Marguerite, without looking up from the map.\n"The bridge was closed," Tomas said. "I had to go around by the old mill."\n"The bridge has been closed for a week. You knew that."\nHe didn't answer. He set the lantern on the table, where its light fell across the valley they had been studying for three days, and pointed at a thin line she had missed: a path that ran along the river, below the cliffs, where no one would think to look for them.`,
  `Octopuses have about 500 million neurons, roughly as many as a dog, but two thirds of them are in the arms rather than the central brain. Each arm can taste, touch, and make simple decisions on its own, which is why a severed arm can still reach for food and pass it toward a mouth that is no longer there. Biologists are still debating how the central brain and the arms share control. One idea is that the brain sets goals, such as 'find a crab under that rock', and leaves the details of the search to the arms.`,
  `The old town is small enough to cross on foot in twenty minutes, and most of its streets are closed to cars, so leave the rental at the hotel. Start early at the covered market, where the fish stalls open at 6 a.m. and the bakeries sell out of their best bread by nine. In the afternoon, when the stone streets grow hot, follow the locals down to the river, where a row of cafés serves cold drinks under plane trees. Museums close on Mondays, and many restaurants take a long break between lunch and dinner, so plan your meals accordingly.`,
  `To install the command-line tool, download the archive for your platform, unpack it, and move the binary somewhere on your PATH. Run the tool once with the --version flag to confirm that the shell can find it. Configuration is read from a file named config.toml in the current directory, or from the path given with --config. Every option in the file can also be set with an environment variable: take the option name, convert it to upper case, replace dots with underscores, and add the prefix APP_. Environment variables take precedence over the file.`,
  `IT'S NOT THE HEAT, IT'S THE HUMIDITY, as every visitor to the river delta learns within an hour of arriving. The air in August holds so much water that laundry hung out in the morning is still damp at dusk, and books left on a shelf for a season grow a fine gray fuzz along their spines. People who live there year-round don't fight it. They keep their windows open, their furniture off the walls, and a small electric fan running in every closet.`,
  `The museum's new wing, which opened on 3 March after six years of delays, doubles the space available for the permanent collection. Critics have mostly praised the building itself, a long, low structure of pale brick with skylights that let daylight reach even the lower galleries. The curators have been less lucky. Several reviewers complained that the first exhibition tries to cover too much ground, jumping from Roman glass to modern photography in the space of two rooms, and that the labels are too small to read without leaning in.`,
];

const FIRST_NAMES = words(`James Maria Wei Aiko Olu Priya Lars Fatima Diego Chloe Tomas Ingrid Kwame Sofia
  Hiro Amara Noah Elena Rahul Grace Mateo Yusuf Hannah Liam Zara Omar Isabel Arjun Nadia Felix Leila
  Owen Mei Samuel Alice Ruth Victor Clara Marcus Julia Theo Ava Daniel Leah Ibrahim Rosa Peter Emma
  Kenji Anya Beatriz Connor Dmitri Esther Farid Gemma Hamid Irene Jonas Keiko Lucia Malik Nora Pablo
  Quinn Rania Stefan Tariq Ursula Vikram Wanda Xavier Yara Zoltan`);
const SURNAMES = words(`Okafor Lindqvist Chen Tanaka Garcia Müller O'Brien Novak Haddad Fischer Kowalski
  Rossi Nakamura Patel Johansson Moreau Silva Kim Adeyemi Dubois Walsh Petrov Singh Larsen Costa
  Yilmaz Horvat Brennan Alvarez Schmidt Ito Mensah Carter Hughes Reyes Bauer Fernandes Wong Lund
  Ncube Abernathy McAllister Van_der_Berg Nguyen Castellanos Oyelaran Szabo Kaczmarek Eriksen
  Papadopoulos Takahashi Mwangi Delacroix`).map((s) => s.replace(/_/g, " "));
const CITIES = words(`Lisbon Nairobi Osaka Toronto Krakow Edinburgh Hanoi Adelaide Marseille Bergen
  Montevideo Porto Seville Tbilisi Winnipeg Dunedin Tampere Valencia Cork Ghent Leipzig Busan Cusco
  Halifax Tucson Boise Accra Kigali Lyon Graz Bologna Malmö Chennai Pune Surabaya Cebu Denver
  Portland Atlanta Chicago Houston Phoenix Boston Seattle Bristol Leeds Glasgow Cardiff Munich
  Hamburg Zurich Geneva Vienna Prague Budapest Warsaw Riga Tallinn Vilnius Helsinki Oslo Stockholm
  Copenhagen Reykjavik Dublin Madrid Barcelona Milan Naples Athens Istanbul Cairo Lagos Dakar Tunis
  Casablanca Johannesburg Melbourne Brisbane Perth Auckland Wellington Vancouver Calgary Montreal
  Quebec Ottawa Mexico_City Bogota Lima Santiago Quito Caracas Havana Manila Jakarta Bangkok Seoul
  Taipei Shanghai Beijing Shenzhen Kyoto Sapporo Fukuoka Mumbai Delhi Kolkata Dhaka Karachi Tehran
  Dubai Doha Riyadh Amman Beirut Baku Almaty Tashkent Ulaanbaatar Port_Ellery Westbrook Millhaven
  Carrow_Bay Ashford_Falls`).map((s) => s.replace(/_/g, " "));
const NOUNS = words(`time year people way day man thing woman life child world school state family
  student group country problem hand part place case week company system program question work
  government number night point home water room mother area money story fact month lot right study
  book eye job word business issue side kind head house service friend father power hour game line
  end member law car city community name president team minute idea kid body information back parent
  face level office door health person art war history party result change morning reason research
  girl guy moment air teacher force education foot boy age policy process music market sense nation
  plan college interest death experience effect use class control care field development role effort
  rate heart drug show leader light voice wife police mind price report decision son view
  relationship town road arm difference value building action model season society tax director
  position player record paper space ground form event official matter center couple site project
  activity star table need court oil situation cost industry figure street image phone data picture
  practice piece land product doctor wall patient worker news test movie north love support
  technology step baby computer type attention film tree source organization hair window evidence
  population site garden river bridge valley harbor island mountain forest kitchen bottle engine
  battery signal network server database cluster kernel thread buffer cache queue request response
  token model dataset gradient layer matrix vector tensor budget invoice contract supplier customer
  recipe flavor sauce oven flour harvest farmer village festival museum gallery library journal
  article chapter author reader editor camera sensor satellite telescope planet orbit climate storm
  glacier coast wave reef species habitat insect feather nest predator`);
const ADJECTIVES = words(`other new good high old great big small large national young different long
  little important political bad white real best right social only public sure low early able human
  local late hard major better economic strong possible whole free military true federal
  international full special easy clear recent certain personal open red difficult available likely
  short single medical current wrong private past foreign fine common poor natural significant
  similar hot dead central happy serious ready simple left physical general environmental financial
  blue democratic dark various entire close legal religious cold final main green nice huge popular
  traditional cultural quiet narrow wooden ancient modern bright heavy careful rapid steady
  efficient expensive cheap reliable fragile remote rural urban coastal seasonal annual digital
  parallel distributed scalable robust noisy sparse dense empirical theoretical practical subtle
  obvious curious anxious generous stubborn`);
const VERBS = words(`accept|accepted add|added allow|allowed announce|announced answer|answered
  arrange|arranged ask|asked avoid|avoided build|built buy|bought call|called carry|carried
  change|changed check|checked choose|chose clean|cleaned close|closed collect|collected
  compare|compared complete|completed consider|considered contain|contained cover|covered
  create|created cut|cut deliver|delivered describe|described design|designed destroy|destroyed
  develop|developed discover|discovered discuss|discussed draw|drew drive|drove earn|earned
  enjoy|enjoyed examine|examined explain|explained explore|explored find|found finish|finished
  fix|fixed follow|followed gather|gathered give|gave help|helped hold|held improve|improved
  include|included increase|increased inspect|inspected install|installed introduce|introduced
  investigate|investigated join|joined keep|kept launch|launched lead|led leave|left lose|lost
  maintain|maintained manage|managed measure|measured meet|met move|moved notice|noticed
  offer|offered open|opened organize|organized paint|painted plan|planned prepare|prepared
  present|presented produce|produced protect|protected publish|published raise|raised reach|reached
  read|read receive|received record|recorded reduce|reduced remove|removed repair|repaired
  replace|replaced report|reported review|reviewed run|ran save|saved sell|sold send|sent
  share|shared show|showed sign|signed solve|solved start|started study|studied support|supported
  take|took teach|taught test|tested train|trained translate|translated understand|understood
  update|updated use|used visit|visited watch|watched write|wrote`).map((s) => s.split("|"));
const ADVERBS = words(`quickly slowly carefully quietly suddenly finally eventually recently
  frequently rarely almost nearly simply clearly probably certainly easily gently roughly partly
  largely mostly usually typically surprisingly reportedly apparently honestly literally barely`);
const TIME_PHRASES = [
  "last week", "in the spring", "every morning", "after lunch", "by the end of the year",
  "in 2019", "two days later", "over the summer", "before the meeting", "during the storm",
  "at the weekend", "for the first time", "later that evening", "in the early 1990s",
  "around midnight", "earlier this month", "on Friday afternoon", "within a few hours",
];
const PLACES = [
  "near the station", "on the edge of town", "in the back office", "at the old factory",
  "along the coast", "behind the library", "in a small village", "on the third floor",
  "across the river", "at the county fair", "in the basement lab", "outside the stadium",
];
const CONNECTIVES = [
  "However,", "Meanwhile,", "As a result,", "In practice,", "Still,", "For example,",
  "On the other hand,", "In other words,", "By contrast,", "Even so,", "Not surprisingly,",
  "At the same time,", "To be fair,", "Oddly enough,",
];

// Syllables for invented words: names of people, places and products, and jargon.
const ONSETS = words(`b br c ch cl d dr f fl g gr h j k kl l m n p pr qu r s sh st t th tr v w z`);
const NUCLEI = words(`a e i o u ai ea ou ie ar er or an en on el al`);
const CODAS = ["", "", "", "n", "r", "s", "th", "x", "ld", "nd", "rk", "ck", "m", "ll"];
const SUFFIXES = words(`ia ton ville berg ium ex ic ous ine ado ov ski sen ett ora`);

function inventWord(rng, syllables) {
  let w = "";
  for (let i = 0; i < syllables; ++i) w += rng.pick(ONSETS) + rng.pick(NUCLEI);
  w += rng.pick(CODAS);
  if (rng.chance(0.4)) w += rng.pick(SUFFIXES);
  return w;
}
const capitalize = (w) => w.charAt(0).toUpperCase() + w.slice(1);
// A rare word: most calls invent a new one, the rest reuse one invented earlier, so rare words
// repeat a little, as real names and terms do within and across documents.
const inventedPool = [];
function rareWord(rng) {
  if (inventedPool.length > 50 && rng.chance(0.35)) return rng.pick(inventedPool);
  const w = inventWord(rng, rng.range(1, 3));
  if (inventedPool.length < 20000) inventedPool.push(w);
  else inventedPool[rng.int(inventedPool.length)] = w;
  return w;
}
function personName(rng) {
  const first = rng.chance(0.85) ? rng.zipf(FIRST_NAMES) : capitalize(rareWord(rng));
  const last = rng.chance(0.75) ? rng.zipf(SURNAMES) : capitalize(rareWord(rng));
  return rng.chance(0.15) ? `${first} ${last.charAt(0)}.` : `${first} ${last}`;
}
const cityName = (rng) => (rng.chance(0.85) ? rng.zipf(CITIES) : capitalize(rareWord(rng)));
function orgName(rng) {
  return rng.pick([
    () => `the ${cityName(rng)} ${rng.pick(["Institute", "Council", "Museum", "Water Authority", "Hospital", "Rowing Club"])}`,
    () => `${capitalize(rareWord(rng))} ${rng.pick(["Labs", "Systems", "Group", "Partners", "Inc.", "GmbH", "Ltd."])}`,
    () => `the University of ${cityName(rng)}`,
    () => `the ${rng.pick(["National", "Regional", "European", "Pacific"])} ${rng.pick(["Science", "Health", "Transport", "Statistics"])} Office`,
  ])();
}
function plural(noun) {
  if (/(s|sh|ch|x|z)$/.test(noun)) return noun + "es";
  if (/[^aeiou]y$/.test(noun)) return noun.slice(0, -1) + "ies";
  if (noun === "man" || noun === "woman") return noun.slice(0, -2) + "en";
  if (noun === "child") return "children";
  if (noun === "person" || noun === "people") return "people";
  if (noun === "foot") return "feet";
  return noun + "s";
}
const article = (w) => (/^[aeiou]/.test(w) ? "an" : "a");
function numberWord(rng) {
  return rng.weighted([
    [3, () => String(rng.range(2, 99))],
    [2, () => String(rng.range(100, 9999))],
    [1, () => rng.range(10, 999) + "," + String(rng.range(0, 999)).padStart(3, "0")],
    [1, () => rng.range(1, 99) + "." + rng.range(0, 9)],
    [2, () => rng.pick(words("two three four five six seven eight ten twelve twenty dozen hundred"))],
  ])();
}
const yearWord = (rng) => String(rng.weighted([[1, rng.range(1850, 1979)], [3, rng.range(1980, 2025)]]));

// Word slots for the templates; each is a function of the generator.
const SLOTS = {
  name: personName,
  first: (rng) => rng.zipf(FIRST_NAMES),
  city: cityName,
  org: orgName,
  noun: (rng) => rng.zipf(NOUNS),
  nouns: (rng) => plural(rng.zipf(NOUNS)),
  adj: (rng) => rng.zipf(ADJECTIVES),
  verb: (rng) => rng.zipf(VERBS)[0],
  past: (rng) => rng.zipf(VERBS)[1],
  adv: (rng) => rng.pick(ADVERBS),
  time: (rng) => rng.pick(TIME_PHRASES),
  place: (rng) => rng.pick(PLACES),
  num: numberWord,
  pct: (rng) => `${rng.range(1, 99)}${rng.chance(0.3) ? "." + rng.range(0, 9) : ""}%`,
  year: yearWord,
  money: (rng) => `$${rng.range(1, 999)}${rng.chance(0.5) ? "." + String(rng.range(0, 99)).padStart(2, "0") : rng.pick([" million", " billion", ",000", ""])}`,
  rare: rareWord,
  Rare: (rng) => capitalize(rareWord(rng)),
  conn: (rng) => rng.pick(CONNECTIVES),
};

const TEMPLATES = [
  "{name} {past} the {adj} {noun} {time}.",
  "In {year}, {org} {past} {a:adj} {noun} that {past} {num} {nouns}.",
  "According to {name}, {pct} of the {nouns} in {city} are {adj}.",
  "If you {verb} the {noun} before you {verb} the {noun}, the {noun} will be much more {adj}.",
  "{conn} the {nouns} were {adv} {adj}, and nobody {past} the {noun}.",
  "The {noun} {place} was {adv} {adj}, so {first} {past} it {time}.",
  "Why would anyone {verb} {a:adj} {noun} when they could {verb} the {noun} instead?",
  "{org} says it will {verb} {num} new {nouns} by {year}, at a cost of about {money}.",
  "Most {nouns} never {verb} the {noun}; the few that do are usually {adj}.",
  "{first} and {first} {past} the {noun} together, although neither of them liked the {adj} {noun}.",
  "\"We {past} the {noun} {time},\" {name} said, \"and the {nouns} were {adj}.\"",
  "The report, published by {org}, {past} {num} {nouns} and found that {pct} were {adj}.",
  "It is not {adj} to {verb} a {noun} without a {noun}.",
  "There were {num} {nouns} {place}, most of them {adj} and some of them {adj}.",
  "{name}, who {past} the {noun} in {year}, {adv} {past} the {adj} {noun}.",
  "To {verb} the {noun}, first {verb} the {adj} {noun}, then {verb} it {adv}.",
  "The {Rare} {noun} is {a:adj} {noun} used to {verb} {nouns} in {city}.",
  "{conn} {first}'s {noun} {past} {adv}, which {past} the {nouns} by {pct}.",
  "Prices for {nouns} rose {pct} in {year}, the {adj} increase since {year}.",
  "You don't need {a:adj} {noun} to {verb} {nouns}; {a:adj} {noun} will do.",
  "After the {noun} {past}, {name} {past} {num} {nouns} and {past} the {noun}.",
  "What happens to the {nouns} when the {noun} is {adj}?",
  "She {past} the {noun}, {past} the {noun}, and {adv} {past} the {adj} {noun} {place}.",
  "Each {noun} costs {money}, which is {adj} for {a:adj} {noun} of this {noun}.",
  "The {nouns} of {city} have {adv} been {adj}, but {time} they {past} the {noun}.",
  "{name} ({year}) argues that {adj} {nouns} {verb} {nouns} more {adv} than {adj} ones.",
  "I {past} the {noun} {time} and honestly it was {adj} — {num} out of ten.",
  "Nobody at {org} could {verb} why the {noun} had {past} {adv}.",
];

function fillTemplate(rng, template) {
  return template.replace(/\{(a:)?(\w+)\}/g, (_, a, slot) => {
    const w = SLOTS[slot](rng);
    return a ? `${article(w)} ${w}` : w;
  });
}

// A typo now and then: two letters swapped or one doubled.
function typo(rng, sentence) {
  const ws = sentence.split(" ");
  const i = rng.int(ws.length);
  const w = ws[i];
  if (w.length < 4 || !/^[a-z]+$/.test(w)) return sentence;
  const j = rng.range(1, w.length - 2);
  ws[i] = rng.chance(0.5) ? w.slice(0, j) + w[j + 1] + w[j] + w.slice(j + 2) : w.slice(0, j) + w[j] + w.slice(j);
  return ws.join(" ");
}

function sentence(rng) {
  let s = fillTemplate(rng, rng.pick(TEMPLATES));
  s = s.charAt(0).toUpperCase() + s.slice(1);
  if (rng.chance(0.04)) s = typo(rng, s);
  return s;
}

function generatedParagraph(rng) {
  const n = rng.range(2, 8);
  const out = [];
  for (let i = 0; i < n; ++i) out.push(sentence(rng));
  return out.join(rng.chance(0.05) ? "  " : " ");
}

// A hand-written paragraph with its people, places and figures swapped, and sometimes a generated
// sentence put in.
function remixedParagraph(rng) {
  let p = rng.pick(PARAGRAPHS);
  p = p.replace(/\b(Anna|Marguerite|Tomas|Vienna|Port Ellery)\b/g, (m) =>
    rng.chance(0.6) ? (m === "Vienna" || m === "Port Ellery" ? cityName(rng) : rng.zipf(FIRST_NAMES)) : m,
  );
  p = p.replace(/\d+([.,]\d+)?/g, (m) => {
    if (!rng.chance(0.5)) return m;
    const digits = m.replace(/\D/g, "").length;
    let r = String(rng.range(1, 10 ** Math.min(digits, 6) - 1));
    if (m.includes(",") && r.length > 3) r = r.slice(0, -3) + "," + r.slice(-3);
    else if (m.includes(".")) r = r + "." + rng.range(0, 9);
    return r;
  });
  if (rng.chance(0.4)) {
    const parts = p.split(/(?<=[.!?]) /);
    parts.splice(rng.int(parts.length + 1), 0, sentence(rng));
    p = parts.join(" ");
  }
  return p;
}

const englishParagraph = (rng) => (rng.chance(0.4) ? remixedParagraph(rng) : generatedParagraph(rng));

function title(rng) {
  const t = fillTemplate(rng, rng.pick([
    "The {adj} {noun} of {city}",
    "How {nouns} {verb} the {noun}",
    "{year}: {a:adj} year for {nouns}",
    "Why {name} {past} the {noun}",
    "Notes on {adj} {nouns}",
    "A guide to {adj} {nouns} in {city}",
    "{Rare}: what we learned",
  ]));
  return t.replace(/\b[a-z]/g, (c, i) => (i === 0 || rng.chance(0.7) ? c.toUpperCase() : c));
}

function bulletList(rng) {
  const n = rng.range(3, 7);
  const numbered = rng.chance(0.4);
  const bullet = rng.pick(["-", "*", "•"]);
  const lines = [];
  for (let i = 0; i < n; ++i) {
    const item = rng.chance(0.5) ? sentence(rng) : fillTemplate(rng, rng.pick(["{adj} {nouns}", "{verb} the {noun} {adv}", "{num} {nouns} from {city}", "**{Rare}**: {adj} {noun}"]));
    lines.push(`${numbered ? `${i + 1}.` : bullet} ${item}`);
  }
  return lines.join("\n");
}

// ------------------------------------------------------------------------------------------------
// Emoji: single code points, with variation selectors, skin tones, ZWJ sequences, flags, keycaps.

const EMOJI = [..."😀😂🤣😊😍🤔🙄😅😭🥲👍👏🎉🔥✨💯🚀✅❌📈📉☕🍕🐍🦀🙌😴🧠📌💡😎🤯🥳😬👀💀🤝🌍🌱🍜🎶"]
  .concat(["❤️", "⚠️", "🌧️", "🗓️", "☀️", "✔️", "👍🏽", "👋🏻", "🙏🏾", "💪🏼", "👩🏽‍🔬", "👨‍💻", "👩‍🍳",
    "👨‍👩‍👧‍👦", "🏳️‍🌈", "🤷‍♀️", "🧑🏿‍🚀", "🇯🇵", "🇧🇷", "🇩🇪", "🇰🇪", "1️⃣", "#️⃣"]);
const emoji = (rng) => rng.zipf(EMOJI);
const emojiRun = (rng) => Array.from({ length: rng.weighted([[6, 1], [2, 2], [1, 3]]) }, () => emoji(rng)).join(rng.chance(0.7) ? "" : " ");

// ------------------------------------------------------------------------------------------------
// Chinese, Japanese, Korean.

const ZH_SENTENCES = [
  "今天早上天气很好，我们决定去公园散步。",
  "这家公司去年的营业收入增长了百分之十二，主要来自海外市场。",
  "研究人员发现，每天坚持运动三十分钟可以明显降低患心脏病的风险。",
  "城市的公共交通系统在过去十年里得到了很大的改善，地铁线路从三条增加到了九条。",
  "如果你想学好一门外语，最重要的是每天坚持练习，而不是临时抱佛脚。",
  "他把旧房子重新装修了一遍，现在看起来就像新的一样。",
  "这本书讲述了一个普通家庭在战争年代的生活，读起来非常感人。",
  "会议将于下周三下午两点在三楼的大会议室举行，请各位准时参加。",
  "随着人工智能技术的快速发展，越来越多的企业开始使用大语言模型来处理客户服务。",
  "训练一个大型模型需要大量的计算资源，因此如何提高训练效率成为一个重要的研究方向。",
  "我们在山脚下的小村庄住了三天，每天都能吃到新鲜的蔬菜和自家做的豆腐。",
  "孩子们放学以后喜欢在河边玩耍，直到天黑才回家。",
  "请在提交申请之前仔细检查所有的材料，确保信息准确无误。",
  "这座桥建于明朝，至今已有五百多年的历史。",
  "专家建议，老年人在冬季应注意保暖，并适当增加户外活动。",
  "由于连续几天的大雨，部分地区出现了严重的洪涝灾害。",
  "她从小就喜欢画画，大学毕业后成为了一名插画师。",
  "新版本的软件修复了多个已知问题，并大幅提升了运行速度。",
  "在这次比赛中，我们的队伍以3比1战胜了对手，获得了冠军。",
  "这个问题看起来很简单，但实际上涉及很多复杂的因素。",
  "医生说他的身体恢复得很好，下个月就可以出院了。",
  "图书馆周末的开放时间是上午9:00到晚上8:00。",
  "为了保护环境，越来越多的人选择骑自行车或者乘坐公共交通工具上班。",
  "我觉得这个方案还有改进的空间，我们可以再讨论一下。",
  "数据显示，今年第一季度的出口总额比去年同期增长了8.5%。",
  "那家小饭馆的牛肉面非常有名，每天中午都要排很长的队。",
  "古人云：“学而不思则罔，思而不学则殆。”",
  "经过几个月的努力，这个项目终于按时完成了。",
  "他一边听音乐，一边整理桌子上的文件。",
  "这个地区的气候温和，四季分明，非常适合种植茶叶。",
  "你可以用Python写一个简单的脚本，把这些CSV文件合并成一个表格。",
  "《红楼梦》是中国古典文学中最重要的作品之一。",
];
const ZH_SUBJECTS = words(`我们 他们 研究团队 这家公司 当地政府 许多年轻人 老师 学生们 工程师 这位作家
  我的朋友 市民们 志愿者 医生们 项目组 开发者 记者 农民 游客们 我的邻居`);
const ZH_TIMES = words(`去年 上个月 最近 今年夏天 在过去五年里 每天早上 周末 三月份 前几天 昨天晚上
  春节期间 下个星期 明年 这几天`).concat(["2023年", "2024年初", "10月1日"]);
const ZH_PLACES = words(`在北京 在上海的一家咖啡馆里 在网上 在实验室里 在农村 在海边 在公司总部 在图书馆
  在广州 在成都 在杭州 在学校门口 在医院 在会议上 在火车上`);
const ZH_ACTIONS = words(`完成了一项重要的研究 发布了新的产品 讨论了未来的发展计划 开始学习编程
  参观了历史博物馆 种了很多果树 写了一篇关于城市交通的文章 提出了新的解决方案 整理了大量的数据
  组织了一次志愿活动 修复了系统中的漏洞 翻译了一本英文小说 举办了一场音乐会 采访了几位专家
  调查了居民的生活习惯 建立了新的数据库 改进了生产流程 拍摄了一部纪录片`).concat([
  "用GPU训练了一个新的模型", "上线了新版App", "测试了API的性能", "发布了v2.1版本"]);
const ZH_CONNECT = words(`因此 但是 同时 此外 不过 结果 于是 总的来说 另外 可是`);
const ZH_ENDINGS = words(`大家都觉得很有意义。 这引起了很多人的关注。 效果比预期的要好。 还有很多问题需要解决。
  得到了广泛的好评。 花了不少时间。 这对我们来说是一个很大的进步。 具体细节还在讨论中。`);

function zhSentence(rng) {
  if (rng.chance(0.35)) return rng.pick(ZH_SENTENCES);
  let s = `${rng.pick(ZH_SUBJECTS)}${rng.pick(ZH_TIMES)}${rng.pick(ZH_PLACES)}${rng.pick(ZH_ACTIONS)}，`;
  if (rng.chance(0.3)) s += `共有${rng.range(2, 5000)}人参加，`;
  if (rng.chance(0.5)) s += `${rng.pick(ZH_CONNECT)}`;
  return s + rng.pick(ZH_ENDINGS);
}
const zhParagraph = (rng) => Array.from({ length: rng.range(2, 7) }, () => zhSentence(rng)).join("");

const JA_SENTENCES = [
  "今日はとても暑かったので、仕事の帰りに冷たいビールを飲みました。",
  "新しいプロジェクトは来月から始まる予定です。",
  "このレストランのラーメンは、スープがとても濃くておいしいです。",
  "駅から会社まで歩いて15分ぐらいかかります。",
  "彼女は毎朝6時に起きて、近くの公園でジョギングをしています。",
  "会議の資料は、明日の午前中までに共有フォルダにアップロードしてください。",
  "日本の人口は少しずつ減っていて、地方では空き家が増えています。",
  "週末は家族と一緒に温泉に行って、のんびり過ごしました。",
  "このソフトウェアの最新バージョンでは、起動時間が大幅に短縮されました。",
  "子どもの頃、祖母の家の近くの川でよく魚を釣っていました。",
  "申し訳ございませんが、その商品は現在在庫切れとなっております。",
  "大規模言語モデルを学習させるには、大量のテキストデータと計算資源が必要です。",
  "雨が降りそうなので、傘を持って行ったほうがいいですよ。",
  "京都には千年以上の歴史を持つお寺や神社がたくさんあります。",
  "電車が遅れたため、待ち合わせの時間に間に合いませんでした。",
  "彼はプログラミングが得意で、趣味でスマートフォンのアプリを作っています。",
  "このデータによると、売上は前年比で約20%増加しています。",
  "桜の季節になると、公園は花見をする人でいっぱいになります。",
  "初めての一人旅でしたが、現地の人たちがとても親切にしてくれました。",
  "詳しい使い方については、マニュアルの第3章をご覧ください。",
  "コーヒーを飲みながら、窓の外の景色をぼんやり眺めていました。",
  "来週の金曜日までにレポートを提出しなければなりません。",
  "最近、在宅勤務をする人が増えてきました。",
  "「ありがとう」と言うと、彼は少し照れたように笑った。",
  "この町は海と山に囲まれていて、一年中観光客が訪れます。",
];
const JA_SUBJECTS = words(`私 田中さん 研究チーム この会社 学生たち 山本先生 友だち 市役所 佐藤さん
  開発チーム 母 近所の人たち`);
const JA_TIMES = words(`昨日 先週 去年の夏 毎朝 今月 週末に 来年 先月 この前`).concat(["2024年に", "3月に"]);
const JA_PLACES = words(`東京で 大阪の支店で 図書館で 駅の近くで オンラインで 研究室で 北海道で
  会議室で カフェで 実家で`);
const JA_ACTIONS = words(`新しいサービスを始めました レポートを書きました 英語を勉強しています
  データを分析しました 古い写真を整理しました プレゼンの準備をしました カメラを買いました
  ボランティア活動に参加しました 新しいアルゴリズムを試しました 庭に花を植えました
  サーバーを移行しました 記事を翻訳しました`);
const JA_ENDINGS = words(`とても忙しかったです。 結果はまだわかりません。 みんなとても喜んでいました。
  思ったより簡単でした。 もう少し時間がかかりそうです。 いい経験になりました。`);

function jaSentence(rng) {
  if (rng.chance(0.35)) return rng.pick(JA_SENTENCES);
  return `${rng.pick(JA_SUBJECTS)}は${rng.pick(JA_TIMES)}${rng.pick(JA_PLACES)}${rng.pick(JA_ACTIONS)}。` +
    (rng.chance(0.5) ? rng.pick(["でも、", "それで、", "ただ、", "結局、"]) + rng.pick(JA_ENDINGS) : "");
}
const jaParagraph = (rng) => Array.from({ length: rng.range(2, 6) }, () => jaSentence(rng)).join("");

const KO_SENTENCES = [
  "안녕하세요, 오늘 회의는 오후 세 시에 시작합니다.",
  "이 식당은 김치찌개가 정말 맛있어요.",
  "우리는 주말에 한강 공원에서 자전거를 탔습니다.",
  "새로운 버전에서는 여러 가지 버그가 수정되었습니다.",
  "서울의 겨울은 생각보다 훨씬 춥습니다.",
  "보고서는 금요일까지 이메일로 보내 주세요.",
];

// French, Spanish, German, Russian.
const EU_SENTENCES = [
  "Le train pour Lyon partira avec environ vingt minutes de retard à cause des travaux sur la voie.",
  "Nous avons passé l'après-midi au marché, où les fromages coûtaient presque deux fois moins cher qu'en ville.",
  "Pourriez-vous m'envoyer le rapport avant vendredi ? J'aimerais le relire pendant le week-end.",
  "La bibliothèque municipale sera fermée du 14 au 28 août pour des travaux de rénovation.",
  "Il a toujours rêvé d'ouvrir une petite librairie au bord de la mer.",
  "El museo abre todos los días de diez de la mañana a seis de la tarde, excepto los lunes.",
  "Mi abuela preparaba la mejor paella del pueblo, pero nunca quiso contarnos su receta.",
  "¿Sabes si el próximo autobús pasa por la estación central?",
  "Según el informe, las exportaciones crecieron un 7,3 % durante el primer trimestre.",
  "Después de la lluvia, las calles olían a tierra mojada y a pan recién hecho.",
  "Der Zug nach München fällt heute wegen eines Streiks leider aus.",
  "Könnten Sie mir bitte sagen, wo ich die Unterlagen für die Anmeldung finde?",
  "Im Sommer wandern wir gern in den Bergen und übernachten in kleinen Hütten.",
  "Die neue Version der Software ist deutlich schneller und verbraucht weniger Speicher.",
  "Straßenbahnhaltestelle und Datenschutzgrundverordnung sind typische lange deutsche Wörter.",
  "Вчера вечером мы долго гуляли по набережной и говорили о будущем.",
  "Поезд прибывает на вокзал в семь часов утра, так что нам придётся встать очень рано.",
  "Эта библиотека была основана более двухсот лет назад.",
  "Пожалуйста, отправьте мне отчёт до конца недели.",
  "Новая версия программы работает заметно быстрее предыдущей.",
];
// Sentences of one language stay together in a paragraph: the list is in blocks of five.
function euParagraph(rng) {
  const lang = rng.int(EU_SENTENCES.length / 5);
  const own = EU_SENTENCES.slice(lang * 5, lang * 5 + 5);
  return rng.shuffle(own).slice(0, rng.range(2, 5)).join(" ");
}

// ------------------------------------------------------------------------------------------------
// Source code. Identifiers are built from the English word lists, in the casing each language
// uses; comments are English sentences.

const IDENT_WORDS = words(`user item count index value result data buffer config path name size offset
  total cache request response token batch length score weight limit state handler client server
  record entry node parent child key queue task worker job file line text message error retry
  timeout delay start end step rate loss grad param model layer input output mask seq pos`);
const ident = (rng, parts = rng.range(1, 3)) =>
  Array.from({ length: parts }, () => (rng.chance(0.9) ? rng.zipf(IDENT_WORDS) : rareWord(rng).slice(0, 8)));
const snake = (rng, n) => ident(rng, n).join("_");
const camel = (rng, n) => ident(rng, n).map((w, i) => (i ? capitalize(w) : w)).join("");
const pascal = (rng, n) => ident(rng, n).map(capitalize).join("");
const comment = (rng) => {
  const s = sentence(rng);
  return s.length > 90 ? s.slice(0, s.lastIndexOf(" ", 90)) : s;
};
const literalNumber = (rng) => rng.weighted([[4, () => String(rng.range(0, 100))], [2, () => String(rng.range(100, 65536))],
  [1, () => `${rng.range(0, 9)}.${rng.range(0, 999)}`], [1, () => `0x${rng.u32().toString(16).padStart(8, "0")}`], [1, () => `1e-${rng.range(3, 9)}`]])();

function pythonStatements(rng, depth, indent) {
  const pad = " ".repeat(indent * 4);
  const lines = [];
  const n = rng.range(2, 6);
  for (let i = 0; i < n; ++i) {
    const v = snake(rng);
    const kind = depth > 2 ? rng.int(5) : rng.int(9);
    if (kind === 0) lines.push(`${pad}${v} = ${snake(rng)}(${snake(rng, 1)}, ${literalNumber(rng)})`);
    else if (kind === 1) lines.push(`${pad}# ${comment(rng)}`);
    else if (kind === 2) lines.push(`${pad}${v} = [${snake(rng, 1)}.${snake(rng, 1)} for ${snake(rng, 1)} in ${snake(rng)} if ${snake(rng, 1)}]`);
    else if (kind === 3) lines.push(`${pad}logger.info("${comment(rng).replace(/"/g, "'")} %s", ${v})`);
    else if (kind === 4) lines.push(`${pad}self.${v} += ${literalNumber(rng)}`);
    else if (kind === 5) lines.push(`${pad}if ${v} is None or len(${v}) > ${literalNumber(rng)}:`, ...pythonStatements(rng, depth + 1, indent + 1));
    else if (kind === 6) lines.push(`${pad}for ${snake(rng, 1)}, ${snake(rng, 1)} in enumerate(${v}):`, ...pythonStatements(rng, depth + 1, indent + 1));
    else if (kind === 7) lines.push(`${pad}try:`, ...pythonStatements(rng, depth + 1, indent + 1), `${pad}except (KeyError, ValueError) as exc:`, `${pad}    raise RuntimeError(f"cannot ${rng.zipf(VERBS)[0]} {${v}!r}: {exc}") from exc`);
    else lines.push(`${pad}return {"${snake(rng)}": ${v}, "${snake(rng, 1)}": ${literalNumber(rng)}}`);
  }
  return lines;
}

function pythonFile(rng) {
  const out = [`"""${comment(rng)}"""`, "", "from __future__ import annotations", "",
    `import ${rng.pick(["os", "re", "json", "math", "time"])}`, `import ${rng.pick(["logging", "itertools", "functools", "pathlib"])}`,
    `from dataclasses import dataclass, field`, "", `logger = logging.getLogger(__name__)`, "", ""];
  const cls = pascal(rng, 2);
  out.push("@dataclass", `class ${cls}:`, `    """${comment(rng)}"""`, "");
  for (let i = rng.range(2, 5); i > 0; --i) out.push(`    ${snake(rng)}: ${rng.pick(["int", "float", "str", "bool", "list[str]", "dict[str, int]"])} = ${rng.pick([literalNumber(rng), '""', "False", "field(default_factory=list)"])}`);
  for (let f = rng.range(1, 4); f > 0; --f) {
    out.push("", `    def ${snake(rng)}(self, ${snake(rng, 1)}: ${rng.pick(["int", "str", "Path", "Sequence[float]"])}, *, ${snake(rng, 1)}=${literalNumber(rng)}) -> ${rng.pick(["None", "dict", "bool", "list[int]"])}:`);
    out.push(`        """${comment(rng)}`, "", `        Returns the ${rng.zipf(NOUNS)} for each ${rng.zipf(NOUNS)}.`, `        """`);
    out.push(...pythonStatements(rng, 1, 2));
  }
  out.push("", "", `if __name__ == "__main__":`, `    ${cls}().${snake(rng)}(${literalNumber(rng)})`);
  return out.join("\n");
}

function cFamilyStatements(rng, depth, indent, lang) {
  const pad = "  ".repeat(indent);
  const decl = lang === "cpp" ? rng.pick(["auto", "int", "size_t", "double", "const auto&"]) : rng.pick(["const", "let"]);
  const lines = [];
  for (let i = rng.range(2, 6); i > 0; --i) {
    const v = lang === "cpp" ? snake(rng) : camel(rng);
    const call = lang === "cpp" ? snake(rng) : camel(rng);
    const kind = depth > 2 ? rng.int(4) : rng.int(8);
    if (kind === 0) lines.push(`${pad}${decl} ${v} = ${call}(${lang === "cpp" ? snake(rng, 1) : camel(rng, 1)}, ${literalNumber(rng)});`);
    else if (kind === 1) lines.push(`${pad}// ${comment(rng)}`);
    else if (kind === 2) lines.push(lang === "cpp" ? `${pad}std::cerr << "${rng.zipf(NOUNS)}: " << ${v} << '\\n';` : `${pad}console.log(\`${rng.zipf(NOUNS)}: \${${v}}\`);`);
    else if (kind === 3) lines.push(`${pad}${v} ${rng.pick(["+=", "-=", "*=", "="])} ${literalNumber(rng)};`);
    else if (kind === 4) lines.push(`${pad}if (${v} ${rng.pick(["<", ">=", "==", "!="])} ${literalNumber(rng)}) {`, ...cFamilyStatements(rng, depth + 1, indent + 1, lang), `${pad}}`);
    else if (kind === 5) lines.push(lang === "cpp" ? `${pad}for (size_t i = 0; i < ${v}.size(); ++i) {` : `${pad}for (const ${camel(rng, 1)} of ${v}) {`, ...cFamilyStatements(rng, depth + 1, indent + 1, lang), `${pad}}`);
    else if (kind === 6) lines.push(`${pad}while (!${v}.empty()) {`, ...cFamilyStatements(rng, depth + 1, indent + 1, lang), `${pad}}`);
    else lines.push(`${pad}return ${v};`);
  }
  return lines;
}

function cppFile(rng) {
  const ns = snake(rng, 1);
  const out = [`// ${comment(rng)}`, `#include <${rng.pick(["vector", "string", "map", "memory"])}>`, `#include <${rng.pick(["iostream", "algorithm", "cstdint", "optional"])}>`, `#include "${snake(rng, 1)}/${snake(rng)}.h"`, "", `namespace ${ns} {`, ""];
  const cls = pascal(rng, 2);
  out.push(`class ${cls} {`, " public:", `  explicit ${cls}(std::${rng.pick(["string", "vector<int>", "size_t"])} ${snake(rng, 1)});`, "", " private:");
  for (let i = rng.range(1, 4); i > 0; --i) out.push(`  ${rng.pick(["int", "double", "std::string", "std::vector<float>", "uint64_t"])} ${snake(rng)}_ = ${literalNumber(rng)};`);
  out.push("};", "");
  for (let f = rng.range(1, 4); f > 0; --f) {
    out.push(`// ${comment(rng)}`, `${rng.pick(["int", "bool", "std::vector<int>", "double"])} ${cls}::${snake(rng)}(const std::vector<${rng.pick(["int", "float", "std::string"])}>& ${snake(rng, 1)}) {`);
    out.push(...cFamilyStatements(rng, 1, 1, "cpp"), "}", "");
  }
  out.push(`}  // namespace ${ns}`);
  return out.join("\n");
}

function jsFile(rng) {
  const out = [`import { ${camel(rng)} } from "./${camel(rng, 1)}.js";`, `import ${camel(rng, 1)} from "node:${rng.pick(["fs", "path", "http", "crypto"])}";`, ""];
  for (let f = rng.range(1, 4); f > 0; --f) {
    out.push("/**", ` * ${comment(rng)}`, ` * @param {${rng.pick(["string", "number", "object"])}} ${camel(rng, 1)}`, " */");
    out.push(`export ${rng.chance(0.3) ? "async " : ""}function ${camel(rng)}(${camel(rng, 1)}, ${camel(rng, 1)} = ${literalNumber(rng)}) {`);
    out.push(...cFamilyStatements(rng, 1, 1, "js"), "}", "");
  }
  return out.join("\n");
}

function jsonValue(rng, depth) {
  const kind = depth > 2 ? rng.int(4) : rng.int(6);
  if (kind === 0) return rng.range(0, 100000);
  if (kind === 1) return Math.round(rng.float() * 1e4) / 100;
  if (kind === 2) return rng.chance(0.5) ? comment(rng) : rng.zipf(NOUNS);
  if (kind === 3) return rng.chance(0.5);
  if (kind === 4) return Array.from({ length: rng.range(1, 4) }, () => jsonValue(rng, depth + 1));
  const o = {};
  for (let i = rng.range(1, 5); i > 0; --i) o[snake(rng)] = jsonValue(rng, depth + 1);
  return o;
}
const jsonFile = (rng) => JSON.stringify(jsonValue(rng, 0), null, rng.pick([2, 4, "\t"]));

function shellFile(rng) {
  const dir = `/${rng.pick(["opt", "srv", "var/lib", "home/ci"])}/${snake(rng, 1)}`;
  return [
    "#!/usr/bin/env bash", "set -euo pipefail", "", `# ${comment(rng)}`,
    `${snake(rng, 1).toUpperCase()}_DIR="\${${snake(rng, 1).toUpperCase()}_DIR:-${dir}}"`,
    `for f in "$@"; do`, `  if [[ ! -f "$f" ]]; then`, `    echo "error: $f: no such file" >&2`, "    exit 1", "  fi",
    `  gzip -dc "$f" | jq -r '.${snake(rng, 1)} // empty' | sort | uniq -c | sort -rn | head -n ${rng.range(5, 50)}`,
    "done", `rsync -av --delete "${dir}/" "backup@${rng.range(10, 192)}.${rng.range(0, 255)}.${rng.range(0, 255)}.${rng.range(1, 254)}:${dir}/"`,
  ].join("\n");
}

function sqlFile(rng) {
  const t = snake(rng), t2 = snake(rng);
  return [
    `-- ${comment(rng)}`,
    `SELECT ${t}.id, ${t}.${snake(rng, 1)}, COUNT(*) AS n, AVG(${t2}.${snake(rng, 1)}) AS mean_${snake(rng, 1)}`,
    `FROM ${t}`, `JOIN ${t2} ON ${t2}.${t}_id = ${t}.id`,
    `WHERE ${t}.created_at >= '${yearWord(rng)}-${String(rng.range(1, 12)).padStart(2, "0")}-01'`,
    `  AND ${t2}.${snake(rng, 1)} IN ('${rng.zipf(NOUNS)}', '${rng.zipf(NOUNS)}')`,
    `GROUP BY ${t}.id, ${t}.${snake(rng, 1)}`, `HAVING COUNT(*) > ${rng.range(1, 100)}`, `ORDER BY n DESC`, `LIMIT ${rng.range(10, 1000)};`,
  ].join("\n");
}

function htmlFile(rng) {
  return [
    "<!DOCTYPE html>", `<html lang="en">`, "<head>", `  <meta charset="utf-8">`, `  <title>${title(rng)}</title>`, "</head>", "<body>",
    `  <div class="${snake(rng).replace(/_/g, "-")}">`, `    <h1>${title(rng)}</h1>`,
    `    <p>${sentence(rng)} <s>${sentence(rng)}</s> <a href="https://example.com/${snake(rng, 1)}?id=${rng.range(1, 99999)}">${rng.zipf(NOUNS)}</a></p>`,
    `    <ul>`, ...Array.from({ length: rng.range(2, 5) }, () => `      <li>${comment(rng)}</li>`), `    </ul>`, "  </div>", "</body>", "</html>",
  ].join("\n");
}

function yamlFile(rng) {
  const lines = [`# ${comment(rng)}`, `${snake(rng, 1)}:`];
  for (let i = rng.range(2, 6); i > 0; --i) {
    lines.push(`  ${snake(rng)}:`);
    for (let j = rng.range(1, 4); j > 0; --j) lines.push(`    ${snake(rng, 1)}: ${rng.pick([literalNumber(rng), "true", "false", `"${rng.zipf(NOUNS)}"`, `[${literalNumber(rng)}, ${literalNumber(rng)}]`])}`);
  }
  return lines.join("\n");
}

// A long unbroken run now and then, as scraped code has: a base64 blob or a hex digest.
function blob(rng) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const n = rng.range(200, 3000);
  let s = "";
  for (let i = 0; i < n; ++i) s += alphabet[rng.int(64)];
  return `${snake(rng).toUpperCase()} = "${s}=="`;
}

const CODE_KINDS = [[5, pythonFile], [3, cppFile], [3, jsFile], [2, jsonFile], [1, shellFile], [1, sqlFile], [1, htmlFile], [1, yamlFile]];
// Bytes of source code written, for the summary (documents cut at the size limit overcount it a
// little).
let codeBytes = 0;
const counted = (code) => {
  codeBytes += Buffer.byteLength(code, "utf8");
  return code;
};
const codeBlock = (rng, gen) => counted(rng.chance(0.02) ? blob(rng) : gen(rng));
const FENCE = new Map([[pythonFile, "python"], [cppFile, "cpp"], [jsFile, "javascript"], [jsonFile, "json"], [shellFile, "bash"], [sqlFile, "sql"], [htmlFile, "html"], [yamlFile, "yaml"]]);

// ------------------------------------------------------------------------------------------------
// Numbers: tables, CSV, logs, identifiers.

const two = (n) => String(n).padStart(2, "0");
const date = (rng) => `${yearWord(rng)}-${two(rng.range(1, 12))}-${two(rng.range(1, 28))}`;
const hex = (rng, n) => Array.from({ length: n }, () => "0123456789abcdef"[rng.int(16)]).join("");
const money = (rng) => (rng.range(0, 999999) / 100).toFixed(2);

function csvTable(rng) {
  const cols = rng.range(3, 8);
  const header = ["id", "date", ...Array.from({ length: cols - 2 }, () => snake(rng, 1))];
  const sep = rng.chance(0.2) ? "\t" : ",";
  const rows = [header.join(sep)];
  for (let r = rng.range(5, 40); r > 0; --r) {
    const row = [String(rng.range(1, 999999)), date(rng)];
    for (let c = 2; c < cols; ++c) row.push(rng.pick([money(rng), String(rng.range(-500, 5000)), cityName(rng), `"${rng.zipf(NOUNS)}, ${rng.zipf(ADJECTIVES)}"`, (rng.float() * 100).toFixed(rng.range(1, 6))]));
    rows.push(row.join(sep));
  }
  return rows.join("\n");
}

function markdownTable(rng) {
  const cols = rng.range(2, 5);
  const head = [capitalize(rng.zipf(NOUNS)), ...Array.from({ length: cols }, () => `${yearWord(rng)}`)];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  for (let r = rng.range(3, 10); r > 0; --r) {
    lines.push(`| ${[capitalize(rng.zipf(NOUNS)), ...Array.from({ length: cols }, () => rng.pick([money(rng), `${rng.range(0, 100)}%`, String(rng.range(0, 1e6))]))].join(" | ")} |`);
  }
  return lines.join("\n");
}

function logLines(rng) {
  const lines = [];
  let t = rng.range(0, 86399);
  for (let i = rng.range(5, 40); i > 0; --i) {
    t += rng.range(0, 30);
    const ts = `${date(rng)}T${two(Math.floor(t / 3600) % 24)}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}.${String(rng.range(0, 999)).padStart(3, "0")}Z`;
    const level = rng.weighted([[8, "INFO "], [2, "WARN "], [1, "ERROR"], [3, "DEBUG"]]);
    lines.push(`${ts} ${level} [worker-${rng.range(0, 15)}] request_id=${hex(rng, 16)} method=${rng.pick(["GET", "POST", "PUT", "DELETE"])} path=/api/v${rng.range(1, 3)}/${rng.zipf(NOUNS)}s/${rng.range(1, 99999)} status=${rng.weighted([[9, 200], [1, 404], [1, 500], [1, 201]])} duration_ms=${(rng.float() * 500).toFixed(1)} ip=10.${rng.range(0, 255)}.${rng.range(0, 255)}.${rng.range(1, 254)}`);
  }
  return lines.join("\n");
}

function factsLine(rng) {
  return rng.pick([
    () => `Order number: ${rng.range(100000, 999999)}${rng.range(100000, 999999)}, placed ${date(rng)} at ${two(rng.range(0, 23))}:${two(rng.range(0, 59))}.`,
    () => `Call +1 (${rng.range(200, 999)}) 555-${String(rng.range(0, 9999)).padStart(4, "0")} or +44 20 ${rng.range(1000, 9999)} ${rng.range(1000, 9999)}.`,
    () => `ISBN 978-${rng.range(0, 9)}-${rng.range(100, 999)}-${rng.range(10000, 99999)}-${rng.range(0, 9)}`,
    () => `sha256: ${hex(rng, 64)}`,
    () => `uuid ${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${hex(rng, 4)}-${hex(rng, 12)}`,
    () => `Total: ${rng.range(1, 999)},${String(rng.range(0, 999)).padStart(3, "0")}.${two(rng.range(0, 99))} EUR (VAT ${rng.range(5, 25)}%: ${money(rng)})`,
    () => `Version ${rng.range(0, 12)}.${rng.range(0, 40)}.${rng.range(0, 200)} released on ${date(rng)}; ${rng.range(1, 900)} files changed, ${rng.range(1, 9999)} insertions(+), ${rng.range(1, 9999)} deletions(-)`,
    () => `${rng.range(1, 9)}.${rng.range(0, 99999)}e${rng.pick(["+", "-"])}${two(rng.range(1, 30))} ± ${rng.range(1, 9)}.${rng.range(0, 999)}e-${two(rng.range(1, 30))}`,
    () => String(rng.range(1, 9)) + Array.from({ length: rng.range(20, 120) }, () => rng.int(10)).join(""),
  ])();
}

const dataBlock = (rng) => rng.weighted([[3, csvTable], [2, markdownTable], [3, logLines], [2, (r) => Array.from({ length: rng.range(3, 12) }, () => factsLine(r)).join("\n")]])(rng);

// ------------------------------------------------------------------------------------------------
// Chat turns.

const USER_TEMPLATES = [
  "How do I {verb} {a:adj} {noun} in {city}?",
  "can you explain why my {noun} keeps failing?? i tried to {verb} it {num} times",
  "What's the difference between {a:noun} and {a:noun}?",
  "Write a short story about {name} and a {adj} {noun}.",
  "Summarize the following text in {num} bullet points:",
  "thx!! that worked {emoji}",
  "Is it true that {pct} of {nouns} are {adj}?",
  "Translate this into English please:",
  "Give me a {lang} function that will {verb} a list of {nouns}.",
  "lol no, I meant the other {noun} {emoji}",
  "Could you make it more {adj}? Also shorter.",
  "請用中文回答。",
  "我想知道如何{zh}",
  "日本語で説明してください。",
];
function userMessage(rng) {
  const message = USER_TEMPLATES[rng.int(USER_TEMPLATES.length)].replace(/\{(a:)?(\w+)\}/g, (_, a, slot) => {
    let w;
    if (slot === "emoji") w = emojiRun(rng);
    else if (slot === "lang") w = rng.pick(["Python", "C++", "JavaScript", "Rust", "Go", "SQL"]);
    else if (slot === "zh") w = rng.pick(ZH_ACTIONS);
    else w = SLOTS[slot](rng);
    return a ? `${article(w)} ${w}` : w;
  });
  return rng.chance(0.15) ? `${message} ${emojiRun(rng)}` : message;
}

function assistantMessage(rng) {
  const parts = [];
  if (rng.chance(0.3)) parts.push(rng.pick(["Sure!", "Great question!", "Here's a quick overview:", "Of course.", "Good catch — you're right."]) + (rng.chance(0.3) ? " " + emoji(rng) : ""));
  for (let i = rng.range(1, 4); i > 0; --i) {
    const kind = rng.weighted([[6, "p"], [2, "list"], [0.7, "code"], [1, "table"], [1, "heading"]]);
    if (kind === "p") parts.push(rng.chance(0.15) ? englishParagraph(rng).replace(/\. /g, (m) => (rng.chance(0.3) ? `. ${emoji(rng)} ` : m)) : englishParagraph(rng));
    else if (kind === "list") parts.push(bulletList(rng));
    else if (kind === "table") parts.push(markdownTable(rng));
    else if (kind === "heading") parts.push(`### ${title(rng)}`);
    else {
      const gen = rng.weighted(CODE_KINDS);
      parts.push("```" + FENCE.get(gen) + "\n" + counted(gen(rng)) + "\n```");
    }
  }
  if (rng.chance(0.2)) parts.push(`Hope this helps ${emojiRun(rng)}`);
  return parts.join("\n\n");
}

function chatBlock(rng, style) {
  const user = rng.chance(0.15) ? `${userMessage(rng)}\n\n${englishParagraph(rng)}` : userMessage(rng);
  let answer = assistantMessage(rng);
  if (user.includes("中文") || user.includes("我想")) answer = [zhParagraph(rng), zhParagraph(rng)].join("\n\n");
  if (user.includes("日本語")) answer = [jaParagraph(rng), jaParagraph(rng)].join("\n\n");
  if (style === 0) return `User: ${user}\nAssistant: ${answer}`;
  if (style === 1) return `### Human:\n${user}\n\n### Assistant:\n${answer}`;
  return `<|user|>\n${user}\n<|assistant|>\n${answer}`;
}

// Short posts and replies: handles, hashtags, links and plenty of emoji.
function socialPost(rng) {
  const handle = () => `@${rng.chance(0.5) ? rng.zipf(FIRST_NAMES).toLowerCase() : rareWord(rng)}${rng.chance(0.4) ? rng.range(1, 999) : ""}`;
  const tag = () => `#${rng.chance(0.6) ? capitalize(rng.zipf(NOUNS)) + capitalize(rng.zipf(NOUNS)) : capitalize(rareWord(rng))}`;
  const body = rng.weighted([
    [4, () => sentence(rng)],
    [2, () => fillTemplate(rng, rng.pick(["just {past} my first {noun}", "this {noun} is so {adj}", "who else {past} the {noun} today", "not me {past} the {noun} at 3am again", "{city} {nouns} hit different"]))],
    [1, () => rng.pick(["lmao", "same", "no way", "big if true", "ok this is actually {adj}".replace("{adj}", rng.zipf(ADJECTIVES)), "THIS", "can't stop laughing", "agreed 100%"])],
    [1, () => zhSentence(rng)],
    [1, () => jaSentence(rng)],
  ])();
  const parts = [];
  if (rng.chance(0.4)) parts.push(handle());
  parts.push(body);
  if (rng.chance(0.7)) parts.push(emojiRun(rng));
  for (let i = rng.weighted([[3, 0], [2, 1], [1, 2], [1, 3]]); i > 0; --i) parts.push(tag());
  if (rng.chance(0.25)) parts.push(`https://${rng.pick(["t.co", "bit.ly", "example.org/p"])}/${hex(rng, 10)}`);
  const likes = rng.chance(0.3) ? `\n${rng.range(0, 9999)} likes · ${rng.range(0, 999)} replies` : "";
  return parts.join(" ") + likes;
}

// ------------------------------------------------------------------------------------------------
// Documents. Each kind appends blocks until the document reaches its drawn size.

const byteLength = (s) => Buffer.byteLength(s, "utf8");

const DOC_KINDS = [
  [47, "article"],
  [18, "chat"],
  [7, "code"],
  [4, "chinese"],
  [3, "japanese"],
  [3, "social"],
  [5, "data"],
  [3, "european"],
  [3, "bilingual"],
];

function blockFor(rng, kind, index, state) {
  switch (kind) {
    case "article": {
      if (index === 0) return rng.chance(0.5) ? `# ${title(rng)}` : title(rng);
      const r = rng.float();
      if (r < 0.07) return `## ${title(rng)}`;
      if (r < 0.13) return bulletList(rng);
      if (r < 0.15) return markdownTable(rng);
      if (r < 0.17) return factsLine(rng);
      if (r < 0.175) return rng.pick(["* * *", "----------------------------------------", "==========", "…"]);
      return englishParagraph(rng);
    }
    case "chat":
      return chatBlock(rng, state.style);
    case "code": {
      // One language per document; several files, as a repository dump has them.
      const path = `${snake(rng, 1)}/${snake(rng)}.${FENCE.get(state.code).replace("python", "py").replace("javascript", "js").replace("bash", "sh")}`;
      return (index > 0 || rng.chance(0.3) ? `${state.code === pythonFile || state.code === shellFile || state.code === yamlFile ? "#" : "//"} ${path}\n` : "") + codeBlock(rng, state.code);
    }
    case "social":
      return socialPost(rng);
    case "chinese": {
      if (index === 0) return rng.pick(["第一章 ", "一、", "摘要：", "## "]) + rng.pick(ZH_ACTIONS);
      const r = rng.float();
      if (r < 0.05) return rng.pick(["二、研究方法", "三、实验结果", "四、结论", "参考资料"]);
      if (r < 0.08) return `| 项目 | 数量 | 比例 |\n|---|---|---|\n| ${rng.pick(ZH_SUBJECTS)} | ${rng.range(1, 999)} | ${rng.range(1, 99)}% |`;
      return (rng.chance(0.3) ? "　　" : "") + zhParagraph(rng);
    }
    case "japanese":
      if (index === 0) return `【${rng.pick(JA_ACTIONS)}】`;
      return rng.chance(0.08) ? rng.pick(KO_SENTENCES) + " " + rng.pick(KO_SENTENCES) : jaParagraph(rng);
    case "data":
      return rng.chance(0.8) ? dataBlock(rng) : englishParagraph(rng);
    case "european":
      return rng.chance(0.7) ? euParagraph(rng) : englishParagraph(rng);
    case "bilingual": {
      const en = englishParagraph(rng);
      const other = rng.weighted([[3, zhParagraph], [2, jaParagraph], [1, euParagraph]])(rng);
      return rng.chance(0.5) ? `${en}\n${other}` : `EN: ${en}\n译文: ${other}`;
    }
  }
  throw new Error(`unknown kind ${kind}`);
}

// Whitespace as it occurs: blank lines of varying count, trailing spaces, now and then a run of
// spaces or tabs inside a line.
function joinBlocks(rng, blocks) {
  let out = blocks[0];
  for (let i = 1; i < blocks.length; ++i) {
    const sep = rng.weighted([[20, "\n\n"], [5, "\n"], [2, "\n\n\n"], [1, " \n\n"], [1, "\n\n\n\n\n"], [1, "\n \n"], [1, "\t\n\n"]]);
    out += sep + blocks[i];
  }
  return out;
}

function makeDocument(rng, size) {
  const kind = rng.weighted(DOC_KINDS);
  const state = { style: rng.int(3), code: rng.weighted(CODE_KINDS) };
  const blocks = [];
  let bytes = 0;
  for (let i = 0; bytes < size; ++i) {
    let b = blockFor(rng, kind, i, state);
    if (rng.chance(0.02)) b = b.replace(/ /, "      ");
    bytes += byteLength(b) + 2;
    blocks.push(b);
  }
  let text = joinBlocks(rng, blocks);
  // Cut to the maximum document size at a code point boundary, preferring a line end.
  if (byteLength(text) > MAX_DOC_BYTES) {
    const cps = Array.from(text);
    let n = 0, cut = 0;
    for (; cut < cps.length; ++cut) {
      n += byteLength(cps[cut]);
      if (n > MAX_DOC_BYTES) break;
    }
    text = cps.slice(0, cut).join("");
    const nl = text.lastIndexOf("\n");
    if (nl > text.length / 2) text = text.slice(0, nl);
  }
  if (rng.chance(kind === "code" || kind === "data" ? 0.1 : 0.02)) text = text.replace(/\n/g, "\r\n");
  // A special-token string inside ordinary text, as scraped data about tokenizers contains.
  if (rng.chance(0.01)) {
    const at = text.indexOf(" ", rng.int(text.length));
    if (at >= 0) text = text.slice(0, at) + " " + rng.pick(["<|endoftext|>", "<s>", "</s>", "<|im_start|>", "<|eot_id|>"]) + text.slice(at);
  }
  return { kind, text };
}

// ------------------------------------------------------------------------------------------------

const MIN_DOC_BYTES = 200;
const MAX_DOC_BYTES = 50000;

function parseArgs(argv) {
  const args = { out: null, mb: 12, seed: 20240601 };
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === "--mb") args.mb = Number(argv[++i]);
    else if (argv[i] === "--seed") args.seed = Number(argv[++i]);
    else if (argv[i] === "-h" || argv[i] === "--help") args.help = true;
    else if (!args.out) args.out = argv[i];
    else throw new Error(`unexpected argument ${argv[i]}`);
  }
  if (args.help || !args.out || !(args.mb > 0)) {
    console.error("usage: node bench/make_tokenizer_corpus.mjs OUT.jsonl [--mb 12] [--seed N]");
    process.exit(args.help ? 0 : 2);
  }
  return args;
}

// Bytes of CJK, emoji, digits, white space, ASCII letters and everything else, for the summary.
function classify(text, tally) {
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    let c;
    if (cp >= 0x3000 && cp <= 0x30ff) c = "cjk";
    else if ((cp >= 0x3400 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xff00 && cp <= 0xffef)) c = "cjk";
    else if (cp >= 0x1f000 || (cp >= 0x2600 && cp <= 0x27bf) || cp === 0x200d || cp === 0xfe0f) c = "emoji";
    else if (cp >= 0x30 && cp <= 0x39) c = "digits";
    else if (cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d || cp === 0x3000) c = "whitespace";
    else if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) c = "ascii letters";
    else if (cp < 0x80) c = "ascii punctuation";
    else c = "other (accents, Cyrillic, symbols)";
    tally[c] = (tally[c] || 0) + n;
  }
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const rng = new Rng(args.seed);
  const target = Math.round(args.mb * 1e6);
  const lines = [];
  const byKind = {};
  const byClass = {};
  const seen = new Set();
  let total = 0, wordCount = 0;
  while (total < target) {
    // Log-uniform size in [MIN, MAX], drawn on a fine integer grid.
    const size = Math.round(MIN_DOC_BYTES * (MAX_DOC_BYTES / MIN_DOC_BYTES) ** (rng.int(1 << 20) / (1 << 20)));
    const { kind, text } = makeDocument(rng, size);
    const bytes = byteLength(text);
    total += bytes;
    byKind[kind] = (byKind[kind] || 0) + bytes;
    classify(text, byClass);
    for (const w of text.split(/\s+/)) {
      if (!w) continue;
      ++wordCount;
      seen.add(w);
    }
    lines.push(JSON.stringify({ text }));
  }
  const tmp = `${args.out}.tmp${process.pid}`;
  writeFileSync(tmp, lines.join("\n") + "\n");
  renameSync(tmp, args.out);

  const pct = (n) => `${((100 * n) / total).toFixed(1)}%`;
  const report = [`wrote ${args.out}: ${lines.length} documents, ${(total / 1e6).toFixed(2)} MB of text (seed ${args.seed})`];
  report.push("  by document kind: " + Object.entries(byKind).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${pct(n)}`).join(", "));
  report.push("  by character: " + Object.entries(byClass).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${pct(n)}`).join(", "));
  report.push(`  source code (code documents and code blocks in chats): ${pct(codeBytes)}`);
  report.push(`  ${wordCount} space-separated words, ${seen.size} distinct (${((100 * seen.size) / wordCount).toFixed(1)}%)`);
  console.error(report.join("\n"));
}

main();
