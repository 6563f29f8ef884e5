//! Names: pools by culture, names in their own scripts, romanisation systems, nicknames and
//! the misspellings reports make.

use homeward_schemas::Sex;

use crate::rng::Rng;

/// Where a person's name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Culture {
    English,
    Hispanic,
    Portuguese,
    German,
    Russian,
    Ukrainian,
    Chinese,
    Indian,
    Arabic,
}

impl Culture {
    /// The script native names are written in (ISO 15924), and their language (BCP 47).
    pub fn script(self) -> Option<(&'static str, &'static str)> {
        match self {
            Culture::Russian => Some(("Cyrl", "ru")),
            Culture::Ukrainian => Some(("Cyrl", "uk")),
            Culture::Chinese => Some(("Hani", "zh")),
            Culture::Indian => Some(("Deva", "hi")),
            Culture::Arabic => Some(("Arab", "ar")),
            _ => None,
        }
    }

    /// Whether the family name comes first when written in full.
    pub fn family_first(self) -> bool {
        self == Culture::Chinese
    }
}

/// One name part: as written natively (if not Latin) and its Latin spellings (the first is the
/// usual one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub native: Option<String>,
    pub latin: Vec<String>,
}

impl Part {
    pub fn latin(s: &str) -> Self {
        Self {
            native: None,
            latin: vec![s.to_string()],
        }
    }

    pub fn usual(&self) -> &str {
        self.latin.first().map(String::as_str).unwrap_or("")
    }
}

const EN_MALE: &[&str] = &[
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Timothy",
    "Ronald",
    "Edward",
    "Jason",
    "Jeffrey",
    "Ryan",
    "Jacob",
    "Gary",
    "Nicholas",
    "Eric",
    "Jonathan",
    "Stephen",
    "Larry",
    "Justin",
    "Scott",
    "Brandon",
    "Benjamin",
    "Samuel",
    "Gregory",
    "Alexander",
    "Frank",
    "Patrick",
    "Raymond",
    "Jack",
    "Dennis",
    "Jerry",
    "Tyler",
    "Aaron",
    "Adam",
    "Nathan",
    "Henry",
    "Douglas",
    "Zachary",
    "Peter",
    "Kyle",
    "Ethan",
    "Walter",
    "Noah",
    "Jeremy",
    "Christian",
    "Keith",
    "Roger",
    "Terry",
    "Gerald",
    "Harold",
    "Sean",
    "Austin",
    "Carl",
    "Arthur",
    "Lawrence",
    "Dylan",
    "Jesse",
    "Jordan",
    "Bryan",
    "Bruce",
    "Gabriel",
    "Logan",
    "Albert",
    "Willie",
    "Alan",
    "Wayne",
    "Elijah",
    "Randy",
    "Roy",
    "Vincent",
    "Ralph",
    "Eugene",
    "Russell",
    "Mason",
    "Philip",
    "Louis",
    "Curtis",
    "Trevor",
    "Callum",
    "Marc",
    "Cole",
    "Calvin",
    "Bryce",
    "Fred",
    "Chad",
    "Leroy",
    "Jared",
    "Travis",
    "Marcus",
    "Derek",
    "Shawn",
    "Luke",
    "Evan",
    "Ian",
    "Connor",
    "Caleb",
    "Hunter",
    "Owen",
    "Isaac",
    "Lucas",
];
const EN_FEMALE: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Betty",
    "Margaret",
    "Sandra",
    "Ashley",
    "Kimberly",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Dorothy",
    "Melissa",
    "Deborah",
    "Stephanie",
    "Rebecca",
    "Sharon",
    "Laura",
    "Cynthia",
    "Kathleen",
    "Amy",
    "Angela",
    "Shirley",
    "Anna",
    "Brenda",
    "Pamela",
    "Emma",
    "Nicole",
    "Helen",
    "Samantha",
    "Katherine",
    "Christine",
    "Debra",
    "Rachel",
    "Carolyn",
    "Janet",
    "Catherine",
    "Maria",
    "Heather",
    "Diane",
    "Ruth",
    "Julie",
    "Olivia",
    "Joyce",
    "Virginia",
    "Victoria",
    "Kelly",
    "Lauren",
    "Christina",
    "Joan",
    "Evelyn",
    "Judith",
    "Megan",
    "Andrea",
    "Cheryl",
    "Hannah",
    "Jacqueline",
    "Martha",
    "Gloria",
    "Teresa",
    "Ann",
    "Sara",
    "Madison",
    "Frances",
    "Kathryn",
    "Janice",
    "Jean",
    "Abigail",
    "Alice",
    "Julia",
    "Judy",
    "Sophia",
    "Grace",
    "Denise",
    "Amber",
    "Doris",
    "Marilyn",
    "Danielle",
    "Beverly",
    "Isabella",
    "Theresa",
    "Diana",
    "Natalie",
    "Brittany",
    "Charlotte",
    "Marie",
    "Kayla",
    "Alexis",
    "Lori",
    "Tammy",
    "Courtney",
    "Krystal",
    "Lilly",
    "Ariana",
    "Brianna",
    "Jodi",
    "Stacey",
    "Kristin",
    "Erin",
    "Leah",
    "Alexandra",
    "Valerie",
    "Lynda",
    "Meagan",
    "Autumn",
    "Claire",
    "Haley",
    "Taylor",
];
const EN_FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Phillips",
    "Evans",
    "Turner",
    "Parker",
    "Edwards",
    "Collins",
    "Stewart",
    "Morris",
    "Murphy",
    "Cook",
    "Rogers",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Wood",
    "James",
    "Bennett",
    "Gray",
    "Hughes",
    "Price",
    "Sanders",
    "Myers",
    "Long",
    "Ross",
    "Foster",
    "Powell",
    "Jenkins",
    "Perry",
    "Russell",
    "Sullivan",
    "Bell",
    "Coleman",
    "Butler",
    "Henderson",
    "Barnes",
    "Fisher",
    "Simmons",
    "Jordan",
    "Patterson",
    "Alexander",
    "Hamilton",
    "Graham",
    "Reynolds",
    "Griffin",
    "Wallace",
    "West",
    "Cole",
    "Hayes",
    "Bryant",
    "Gibson",
    "Ellis",
    "Stevens",
    "Murray",
    "Ford",
    "Marshall",
    "Owens",
    "Harrison",
    "McDonald",
    "Woods",
    "Washington",
    "Kennedy",
    "Wells",
    "Henry",
    "Freeman",
    "Webb",
    "Tucker",
    "Burns",
    "Crawford",
    "Olson",
    "Simpson",
    "Porter",
    "Hunter",
    "Gordon",
    "Shaw",
    "Snyder",
    "Mason",
    "Dixon",
    "Hunt",
    "Hicks",
    "Holmes",
    "Palmer",
    "Wagner",
    "Black",
    "Robertson",
    "Boyd",
    "Rose",
    "Stone",
    "Fox",
    "Warren",
    "Mills",
    "Meyer",
    "Rice",
    "Schmidt",
    "Daniels",
    "Ferguson",
    "Nichols",
    "Stephens",
    "Weaver",
    "Ryan",
    "Gardner",
    "Payne",
    "Grant",
    "Dunn",
    "Kelley",
    "Spencer",
    "Hawkins",
    "Arnold",
    "Pierce",
    "Hansen",
    "Peters",
    "Hart",
    "Bradley",
    "Knight",
    "Elliott",
    "Cunningham",
    "Duncan",
    "Armstrong",
    "Hudson",
    "Carroll",
    "Lane",
    "Riley",
    "Andrews",
    "Ray",
    "Berry",
    "Perkins",
    "Hoffman",
    "Johnston",
    "Matthews",
    "Richards",
    "Willis",
    "Carpenter",
    "Lawrence",
    "George",
    "Chapman",
    "Watkins",
    "Greene",
    "Wheeler",
    "Harper",
    "Burke",
    "Larson",
    "Morrison",
    "Franklin",
    "Carlson",
    "Austin",
    "Carr",
    "Lawson",
    "Jacobs",
    "O'Brien",
    "Lynch",
    "Bishop",
    "Montgomery",
    "Oliver",
    "Jensen",
    "Harvey",
    "Williamson",
    "Gilbert",
    "Dean",
    "Sims",
    "Howell",
    "Reid",
    "Hanson",
    "McCoy",
    "Garrett",
    "Burton",
    "Fuller",
    "Weber",
    "Welch",
    "Lucas",
    "Fields",
    "Little",
    "Banks",
    "Day",
    "Walsh",
    "Bowman",
    "Schultz",
    "Fowler",
    "Davidson",
    "Brewer",
    "May",
    "Holland",
    "Newman",
    "Pearson",
    "Curtis",
    "Douglas",
    "Schneider",
    "Joseph",
    "Barrett",
    "Keller",
    "Wade",
    "Stanley",
    "Hopkins",
    "Barnett",
    "Bates",
    "Chambers",
    "Caldwell",
    "Beck",
    "Lambert",
    "Byrd",
    "Craig",
    "Lowe",
    "Frazier",
    "Powers",
    "Neal",
    "Leonard",
    "Gregory",
    "Sutton",
    "Fleming",
    "Rhodes",
    "Shelton",
    "Schwartz",
    "Norris",
    "Jennings",
    "Watts",
    "Walters",
    "Cohen",
    "McDaniel",
    "Moran",
    "Parks",
    "Steele",
    "Vaughn",
    "Becker",
    "Holt",
    "Barker",
    "Terry",
    "Hale",
    "Benson",
    "Haynes",
    "Horton",
    "Miles",
    "Lyons",
    "Graves",
    "Bush",
    "Thornton",
    "Wolfe",
    "Warner",
    "McKinney",
    "Mann",
    "Zimmerman",
    "Dawson",
    "Fletcher",
    "Page",
    "McCarthy",
    "Love",
    "Erickson",
    "Reeves",
    "Klein",
    "Baldwin",
    "Simon",
    "Hardy",
    "Higgins",
    "Cummings",
    "Chandler",
    "Sharp",
    "Barber",
    "Bowen",
    "Dennis",
    "Robbins",
    "Ramsey",
    "Francis",
    "Griffith",
    "Blair",
    "O'Connor",
    "Cross",
    "Quinn",
    "Moss",
    "Swanson",
    "Rodgers",
    "Fitzgerald",
    "Stevenson",
    "Christensen",
    "Manning",
    "Gill",
    "Curry",
    "McLaughlin",
    "Harmon",
    "McGee",
    "Gross",
    "Doyle",
    "Garner",
    "Newton",
    "Burgess",
    "Reese",
    "Walton",
    "Blake",
    "Adkins",
    "Brady",
    "Goodman",
    "Webster",
    "Goodwin",
    "Potter",
    "Todd",
    "Hines",
    "Mullins",
    "Malone",
    "Cannon",
    "Tate",
    "Sherman",
    "Hubbard",
    "Hodges",
    "Saunders",
    "Rowe",
    "Gallagher",
    "Farmer",
    "Hammond",
    "Hampton",
    "Townsend",
    "Ingram",
    "Wise",
    "Clarke",
    "Barton",
    "Maxwell",
    "Waters",
    "Logan",
    "Strickland",
    "Norman",
    "Parsons",
    "Harrington",
    "Glover",
    "Osborne",
    "Buchanan",
    "Casey",
    "Floyd",
    "Patton",
    "Ball",
    "Tyler",
    "Bowers",
    "Cobb",
    "Gibbs",
    "Conner",
    "Moody",
    "McGuire",
    "Lloyd",
    "Hartman",
    "French",
    "Kramer",
    "McBride",
    "Pope",
    "Lindsey",
    "Norton",
    "McCormick",
    "Sparks",
    "Flynn",
    "Yates",
    "Hogan",
    "Marsh",
    "Pratt",
    "Stokes",
    "Owen",
    "Ballard",
    "Lang",
    "Brock",
    "Drake",
    "Cain",
    "Burnett",
    "Shepherd",
    "Lamb",
    "McKenzie",
    "Olsen",
    "Cochran",
    "Morton",
    "Nash",
    "Wilkins",
    "Briggs",
    "Nicholson",
    "Holloway",
    "Flowers",
    "Hoover",
    "Short",
    "Underwood",
    "Bass",
    "Greer",
    "Summers",
    "Houston",
    "Carson",
    "Morrow",
    "Clayton",
    "Whitaker",
    "Decker",
    "Collier",
    "Carey",
    "Wilcox",
    "Poole",
    "Larsen",
    "Conley",
    "Davenport",
    "Copeland",
    "Massey",
    "Huff",
    "Cameron",
    "Jefferson",
    "Hood",
    "Monroe",
    "Pittman",
    "Randall",
    "Singleton",
    "Kirk",
    "Mathis",
    "Skinner",
    "Bradford",
    "Boone",
    "Kirby",
    "Wilkinson",
    "Bridges",
    "Atkinson",
    "York",
    "Abbott",
    "Allison",
    "Gates",
    "Chase",
    "Sweeney",
    "Farrell",
    "Wyatt",
    "Dalton",
    "Horn",
    "Phelps",
    "Dickerson",
    "Heath",
    "Foley",
    "Atkins",
    "Hensley",
    "Glenn",
    "Harrell",
    "Shields",
    "Huffman",
    "Boyer",
    "Garrison",
    "Bond",
    "Kane",
    "Hancock",
    "Callahan",
    "Dillon",
    "Wiggins",
    "Grimes",
    "Melton",
    "Savage",
    "Pitts",
    "Parrish",
    "Booth",
    "Golden",
    "Ware",
    "Brennan",
    "McDowell",
    "Marks",
    "Humphrey",
    "Baxter",
    "Sawyer",
    "Tanner",
    "Hutchinson",
    "Berg",
    "Wiley",
    "Gilmore",
    "Hobbs",
    "Wilkerson",
    "Beard",
    "Merritt",
    "Petty",
    "Haley",
    "Pennington",
    "McCann",
    "Singh",
    "Patel",
    "Nguyen",
    "Tran",
    "Kim",
    "Park",
    "Chen",
    "Wang",
    "Li",
    "Khan",
    "Ali",
    "Ahmed",
    "Kaur",
    "Huynh",
    "Pham",
    "Le",
    "Chang",
    "Wong",
    "Lin",
    "Liu",
];
const ES_MALE: &[&str] = &[
    "José",
    "Juan",
    "Luis",
    "Carlos",
    "Jesús",
    "Miguel",
    "Jorge",
    "Francisco",
    "Alejandro",
    "Manuel",
    "Antonio",
    "Ramón",
    "Pedro",
    "Ricardo",
    "Eduardo",
    "Fernando",
    "Javier",
    "Wilfrido",
    "Alberto",
    "Guillermo",
    "Roberto",
    "Rafael",
    "Sergio",
    "Arturo",
    "Enrique",
    "Héctor",
    "Raúl",
    "Óscar",
    "Andrés",
    "Santiago",
];
const ES_FEMALE: &[&str] = &[
    "María",
    "Guadalupe",
    "Juana",
    "Margarita",
    "Verónica",
    "Leticia",
    "Rosa",
    "Yolanda",
    "Patricia",
    "Elizabeth",
    "Alejandra",
    "Gabriela",
    "Delia",
    "Aurora",
    "Mercedes",
    "Sofía",
    "Daniela",
    "Valeria",
    "Adriana",
    "Claudia",
    "Silvia",
    "Araceli",
    "Lucía",
    "Beatriz",
];
const ES_FAMILY: &[&str] = &[
    "Hernández",
    "García",
    "Martínez",
    "López",
    "González",
    "Pérez",
    "Rodríguez",
    "Sánchez",
    "Ramírez",
    "Cruz",
    "Flores",
    "Gómez",
    "Morales",
    "Vázquez",
    "Reyes",
    "Jiménez",
    "Torres",
    "Díaz",
    "Gutiérrez",
    "Ruiz",
    "Mendoza",
    "Aguilar",
    "Ortiz",
    "Moreno",
    "Castillo",
    "Romero",
    "Álvarez",
    "Méndez",
    "Chávez",
    "Rivera",
    "Juárez",
    "Ramos",
    "Domínguez",
    "Herrera",
    "Medina",
    "Castro",
    "Vargas",
    "Guzmán",
    "Velázquez",
    "Muñoz",
    "Rojas",
    "Contreras",
    "Salazar",
    "Luna",
    "Ortega",
    "Santiago",
    "Guerrero",
    "Estrada",
    "Bautista",
    "Cortés",
    "Soto",
    "Alvarado",
    "Espinoza",
    "Lara",
    "Ávila",
    "Ríos",
    "Cervantes",
    "Silva",
    "Delgado",
    "Vega",
    "Márquez",
    "Sandoval",
    "Fernández",
    "León",
    "Carrillo",
    "Mejía",
    "Solís",
    "Núñez",
    "Rosas",
    "Valdez",
    "Ibarra",
    "Campos",
    "Archuleta",
    "Munguía",
    "Chapa",
    "Zayas",
    "Murillo",
    "Alemán",
    "Rosado",
    "Lema",
    "Monroy",
    "Cárdenas",
    "Orozco",
    "Velasquez",
    "Trujillo",
    "Navarro",
    "Fuentes",
];
const PT_MALE: &[&str] = &[
    "João", "Pedro", "Lucas", "Gabriel", "Mateus", "Rafael", "Gustavo", "Felipe", "Davi", "Thiago",
    "Bruno", "Rodrigo", "Marcelo", "Gael", "Heitor", "Arthur", "Henrique", "Caio",
];
const PT_FEMALE: &[&str] = &[
    "Maria", "Ana", "Juliana", "Fernanda", "Beatriz", "Larissa", "Camila", "Letícia", "Mariana",
    "Gabriela", "Agatha", "Isadora", "Luana", "Vitória", "Raquel", "Bianca",
];
const PT_FAMILY: &[&str] = &[
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Costa",
    "Ribeiro",
    "Martins",
    "Carvalho",
    "Almeida",
    "Lopes",
    "Soares",
    "Fernandes",
    "Vieira",
    "Barbosa",
    "Rocha",
    "Dias",
    "Nascimento",
    "Andrade",
    "Moreira",
    "Nunes",
    "Marques",
    "Machado",
    "Mendes",
    "Freitas",
    "Cardoso",
    "Ramos",
    "Gonçalves",
    "Santana",
    "Teixeira",
    "Azevedo",
    "Siqueira",
    "Costela",
];
const DE_MALE: &[&str] = &[
    "Lukas",
    "Jonas",
    "Leon",
    "Finn",
    "Paul",
    "Maximilian",
    "Felix",
    "Klaus",
    "Jürgen",
    "Stefan",
    "Thomas",
    "Andreas",
    "Michael",
    "Wolfgang",
    "Uwe",
    "Dieter",
    "Cemil",
    "Eric",
    "Klaus-Günter",
    "Matthias",
];
const DE_FEMALE: &[&str] = &[
    "Anna", "Lena", "Lea", "Hannah", "Sophie", "Laura", "Julia", "Susanne", "Sabine", "Petra",
    "Monika", "Ursula", "Anika", "Katrin", "Birgit", "Susann",
];
const DE_FAMILY: &[&str] = &[
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Schäfer",
    "Koch",
    "Bauer",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Birnbaum",
    "Staude",
    "Loos",
    "Wärmer",
];
const RU_MALE: &[&str] = &[
    "Александр",
    "Дмитрий",
    "Сергей",
    "Андрей",
    "Алексей",
    "Михаил",
    "Иван",
    "Николай",
    "Евгений",
    "Владимир",
    "Павел",
    "Юрий",
    "Фёдор",
    "Ферапонт",
    "Ефим",
    "Константин",
    "Максим",
    "Кирилл",
    "Артём",
    "Илья",
];
const RU_FEMALE: &[&str] = &[
    "Александра",
    "Евгения",
    "Юлия",
    "Наталья",
    "Ольга",
    "Татьяна",
    "Екатерина",
    "Мария",
    "Анна",
    "Елена",
    "Ирина",
    "Светлана",
    "Полина",
    "Ксения",
    "Дарья",
    "Анастасия",
    "Регина",
    "Виктория",
    "Людмила",
    "Валентина",
];
const RU_FAMILY: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Коновалов",
    "Исаков",
    "Галкин",
    "Ершов",
    "Щербаков",
    "Чернышёв",
    "Хохлов",
];
const UA_MALE: &[&str] = &[
    "Олександр",
    "Андрій",
    "Сергій",
    "Володимир",
    "Дмитро",
    "Юрій",
    "Олег",
    "Іван",
    "Микола",
    "Тарас",
    "Богдан",
    "Петро",
    "Василь",
    "Віктор",
    "Максим",
];
const UA_FEMALE: &[&str] = &[
    "Олена",
    "Ольга",
    "Наталія",
    "Тетяна",
    "Ірина",
    "Юлія",
    "Оксана",
    "Сніжана",
    "Марія",
    "Анна",
    "Катерина",
    "Світлана",
    "Галина",
    "Людмила",
    "Вікторія",
];
const UA_FAMILY: &[&str] = &[
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Бойко",
    "Мельник",
    "Коваль",
    "Ткачук",
    "Савченко",
    "Руденко",
    "Марченко",
    "Лисенко",
    "Мороз",
    "Павленко",
    "Петренко",
    "Кравчук",
    "Пилипенко",
    "Клименко",
    "Романенко",
    "Левченко",
    "Гончаренко",
    "Баран",
    "Гнатюк",
    "Дяченко",
    "Карпенко",
    "Козак",
    "Хоменко",
    "Яковенко",
];
/// (Han, pinyin, Wade–Giles)
const ZH_FAMILY: &[(&str, &str, &str)] = &[
    ("王", "Wang", "Wang"),
    ("李", "Li", "Li"),
    ("张", "Zhang", "Chang"),
    ("刘", "Liu", "Liu"),
    ("陈", "Chen", "Chen"),
    ("杨", "Yang", "Yang"),
    ("黄", "Huang", "Huang"),
    ("赵", "Zhao", "Chao"),
    ("吴", "Wu", "Wu"),
    ("周", "Zhou", "Chou"),
    ("徐", "Xu", "Hsu"),
    ("孙", "Sun", "Sun"),
    ("马", "Ma", "Ma"),
    ("朱", "Zhu", "Chu"),
    ("胡", "Hu", "Hu"),
    ("郭", "Guo", "Kuo"),
    ("何", "He", "Ho"),
    ("林", "Lin", "Lin"),
    ("高", "Gao", "Kao"),
    ("罗", "Luo", "Lo"),
    ("郑", "Zheng", "Cheng"),
    ("梁", "Liang", "Liang"),
    ("谢", "Xie", "Hsieh"),
    ("宋", "Song", "Sung"),
    ("唐", "Tang", "Tang"),
    ("邓", "Deng", "Teng"),
    ("冯", "Feng", "Feng"),
    ("韩", "Han", "Han"),
    ("曹", "Cao", "Tsao"),
];
/// (Han, pinyin, Wade–Giles, sex: M, F or both)
const ZH_GIVEN: &[(&str, &str, &str, char)] = &[
    ("伟", "Wei", "Wei", 'M'),
    ("芳", "Fang", "Fang", 'F'),
    ("娜", "Na", "Na", 'F'),
    ("敏", "Min", "Min", 'B'),
    ("静", "Jing", "Ching", 'F'),
    ("丽", "Li", "Li", 'F'),
    ("强", "Qiang", "Chiang", 'M'),
    ("磊", "Lei", "Lei", 'M'),
    ("军", "Jun", "Chun", 'M'),
    ("洋", "Yang", "Yang", 'B'),
    ("勇", "Yong", "Yung", 'M'),
    ("艳", "Yan", "Yen", 'F'),
    ("杰", "Jie", "Chieh", 'M'),
    ("娟", "Juan", "Chuan", 'F'),
    ("涛", "Tao", "Tao", 'M'),
    ("明", "Ming", "Ming", 'M'),
    ("超", "Chao", "Chao", 'M'),
    ("秀英", "Xiuying", "Hsiu-ying", 'F'),
    ("霞", "Xia", "Hsia", 'F'),
    ("平", "Ping", "Ping", 'B'),
    ("刚", "Gang", "Kang", 'M'),
    ("桂英", "Guiying", "Kuei-ying", 'F'),
    ("小明", "Xiaoming", "Hsiao-ming", 'M'),
    ("建华", "Jianhua", "Chien-hua", 'M'),
    ("志强", "Zhiqiang", "Chih-chiang", 'M'),
    ("晓燕", "Xiaoyan", "Hsiao-yen", 'F'),
    ("海燕", "Haiyan", "Hai-yen", 'F'),
    ("婷婷", "Tingting", "Ting-ting", 'F'),
    ("子涵", "Zihan", "Tzu-han", 'B'),
    ("浩然", "Haoran", "Hao-jan", 'M'),
];
/// (Devanagari, Latin spellings)
const HI_MALE: &[(&str, &[&str])] = &[
    ("राहुल", &["Rahul"]),
    ("अमित", &["Amit"]),
    ("विजय", &["Vijay", "Vijai"]),
    ("सुरेश", &["Suresh"]),
    ("राजेश", &["Rajesh"]),
    ("अनिल", &["Anil"]),
    ("संजय", &["Sanjay", "Sanjai"]),
    ("महेन्द्र", &["Mahendra", "Mahender"]),
    ("दीपक", &["Deepak", "Dipak"]),
    ("मनोज", &["Manoj"]),
    ("आनंद", &["Anand"]),
    ("रवि", &["Ravi"]),
    ("अजय", &["Ajay"]),
    ("सुनील", &["Sunil"]),
    ("ओम", &["Om"]),
];
const HI_FEMALE: &[(&str, &[&str])] = &[
    ("प्रिया", &["Priya"]),
    ("अनीता", &["Anita", "Aneeta"]),
    ("सुनीता", &["Sunita", "Suneeta"]),
    ("पूजा", &["Pooja", "Puja"]),
    ("नेहा", &["Neha"]),
    ("कविता", &["Kavita", "Kavitha"]),
    ("विमला", &["Vimala", "Vimla"]),
    ("इंदु", &["Indu"]),
    ("ज्योत्स्ना", &["Jyotsna", "Jyotsana"]),
    ("चंदना", &["Chandana"]),
    ("सुमति", &["Sumati", "Sumathi"]),
    ("रेखा", &["Rekha"]),
    ("लक्ष्मी", &["Lakshmi", "Laxmi"]),
    ("गीता", &["Geeta", "Gita"]),
    ("सीमा", &["Seema", "Sima"]),
];
const HI_FAMILY: &[(&str, &[&str])] = &[
    ("शर्मा", &["Sharma"]),
    ("वर्मा", &["Verma", "Varma"]),
    ("सिंह", &["Singh"]),
    ("गुप्ता", &["Gupta"]),
    ("कुमार", &["Kumar"]),
    ("पटेल", &["Patel"]),
    ("मंडल", &["Mandal", "Mondal"]),
    ("रंगराजन", &["Rangarajan"]),
    ("चौहान", &["Chauhan", "Chouhan"]),
    ("गोयल", &["Goyal", "Goel"]),
    ("राय", &["Rai", "Roy"]),
    ("बरुआ", &["Barua", "Baruah"]),
    ("बनर्जी", &["Banerjee", "Banerji"]),
    ("यादव", &["Yadav"]),
    ("जोशी", &["Joshi"]),
    ("मिश्रा", &["Mishra", "Misra"]),
    ("रेड्डी", &["Reddy"]),
    ("नायर", &["Nair"]),
    ("अग्रवाल", &["Agarwal", "Aggarwal"]),
    ("देसाई", &["Desai"]),
];
/// (Arabic, Latin spellings)
const AR_MALE: &[(&str, &[&str])] = &[
    ("محمد", &["Mohamed", "Muhammad", "Mohammed"]),
    ("أحمد", &["Ahmed", "Ahmad"]),
    ("محمود", &["Mahmoud", "Mahmud"]),
    ("مصطفى", &["Mostafa", "Mustafa"]),
    ("علي", &["Ali"]),
    ("حسن", &["Hassan", "Hasan"]),
    ("عمر", &["Omar", "Umar"]),
    ("خالد", &["Khaled", "Khalid"]),
    ("يوسف", &["Youssef", "Yusuf", "Yousef"]),
    ("إبراهيم", &["Ibrahim", "Ebrahim"]),
    ("كريم", &["Karim", "Kareem"]),
    ("طارق", &["Tarek", "Tariq"]),
];
const AR_FEMALE: &[(&str, &[&str])] = &[
    ("فاطمة", &["Fatma", "Fatima"]),
    ("مريم", &["Mariam", "Maryam"]),
    ("نور", &["Nour", "Noor"]),
    ("سارة", &["Sara", "Sarah"]),
    ("آية", &["Aya"]),
    ("هبة", &["Heba", "Hiba"]),
    ("منى", &["Mona", "Muna"]),
    ("ياسمين", &["Yasmin", "Yasmine"]),
    ("لينا", &["Lina"]),
    ("رنا", &["Rana"]),
];
const AR_FAMILY: &[(&str, &[&str])] = &[
    ("حسن", &["Hassan", "Hasan"]),
    ("إبراهيم", &["Ibrahim"]),
    ("عبد الله", &["Abdallah", "Abdullah"]),
    ("السيد", &["El-Sayed", "Elsayed"]),
    ("محمود", &["Mahmoud"]),
    ("عثمان", &["Osman", "Othman"]),
    ("حداد", &["Haddad"]),
    ("منصور", &["Mansour", "Mansur"]),
    ("سليمان", &["Soliman", "Suleiman"]),
    ("صالح", &["Saleh", "Salih"]),
    ("فؤاد", &["Fouad", "Fuad"]),
    ("نصر", &["Nasr"]),
    ("شريف", &["Sherif", "Sharif"]),
    ("عبد الرحمن", &["Abdelrahman", "Abdel Rahman"]),
];

/// Nicknames people are reported under (formal, short forms).
const NICKNAMES: &[(&str, &[&str])] = &[
    ("William", &["Bill", "Will", "Billy"]),
    ("Robert", &["Bob", "Rob", "Bobby"]),
    ("Richard", &["Rick", "Rich", "Dick"]),
    ("James", &["Jim", "Jimmy", "Jamie"]),
    ("John", &["Jack", "Johnny"]),
    ("Joseph", &["Joe", "Joey"]),
    ("Michael", &["Mike", "Mikey"]),
    ("Christopher", &["Chris"]),
    ("Thomas", &["Tom", "Tommy"]),
    ("Charles", &["Charlie", "Chuck"]),
    ("Daniel", &["Dan", "Danny"]),
    ("Matthew", &["Matt"]),
    ("Anthony", &["Tony"]),
    ("Steven", &["Steve"]),
    ("Stephen", &["Steve"]),
    ("Andrew", &["Andy", "Drew"]),
    ("Joshua", &["Josh"]),
    ("Kenneth", &["Ken", "Kenny"]),
    ("Timothy", &["Tim"]),
    ("Edward", &["Ed", "Eddie", "Ted"]),
    ("Jeffrey", &["Jeff"]),
    ("Nicholas", &["Nick"]),
    ("Jonathan", &["Jon"]),
    ("Benjamin", &["Ben"]),
    ("Samuel", &["Sam"]),
    ("Gregory", &["Greg"]),
    ("Alexander", &["Alex"]),
    ("Patrick", &["Pat"]),
    ("Zachary", &["Zach"]),
    ("Peter", &["Pete"]),
    ("Douglas", &["Doug"]),
    ("Lawrence", &["Larry"]),
    ("Gerald", &["Jerry"]),
    ("Elizabeth", &["Liz", "Beth", "Betty"]),
    ("Jennifer", &["Jen", "Jenny"]),
    ("Margaret", &["Maggie", "Peggy", "Meg"]),
    ("Patricia", &["Patty", "Trish"]),
    ("Susan", &["Sue", "Susie"]),
    ("Katherine", &["Kate", "Kathy", "Katie"]),
    ("Catherine", &["Cathy", "Kate"]),
    ("Rebecca", &["Becky"]),
    ("Deborah", &["Debbie", "Deb"]),
    ("Jessica", &["Jess", "Jessie"]),
    ("Samantha", &["Sam"]),
    ("Victoria", &["Vicky", "Tori"]),
    ("Christina", &["Tina", "Chris"]),
    ("Christine", &["Tina", "Chris"]),
    ("Kimberly", &["Kim"]),
    ("Pamela", &["Pam"]),
    ("Cynthia", &["Cindy"]),
    ("Stephanie", &["Steph"]),
    ("Jacqueline", &["Jackie"]),
    ("Alexandra", &["Alex", "Sasha"]),
    ("Melissa", &["Missy", "Mel"]),
    ("Amanda", &["Mandy"]),
    ("Abigail", &["Abby"]),
    ("Dorothy", &["Dot", "Dottie"]),
    ("Judith", &["Judy"]),
    ("Theresa", &["Terri", "Tess"]),
    ("Teresa", &["Terri", "Tess"]),
    ("Valerie", &["Val"]),
    ("Natalie", &["Nat"]),
    ("Sandra", &["Sandy"]),
    ("Kathleen", &["Kathy"]),
    ("Frances", &["Fran"]),
    ("Angela", &["Angie"]),
    ("José", &["Pepe"]),
    ("Francisco", &["Paco", "Pancho"]),
    ("Guadalupe", &["Lupe"]),
    ("Jesús", &["Chuy"]),
    ("Alejandro", &["Alex"]),
    ("Manuel", &["Manolo"]),
    ("Guillermo", &["Memo"]),
    ("Александр", &["Саша"]),
    ("Александра", &["Саша"]),
    ("Евгения", &["Женя"]),
    ("Евгений", &["Женя"]),
    ("Михаил", &["Миша"]),
    ("Дмитрий", &["Дима"]),
    ("Иван", &["Ваня"]),
    ("Екатерина", &["Катя"]),
    ("Наталья", &["Наташа"]),
    ("Татьяна", &["Таня"]),
    ("Мария", &["Маша"]),
    ("Анастасия", &["Настя"]),
    ("Ольга", &["Оля"]),
    ("Елена", &["Лена"]),
];

/// The nicknames of a formal given name (as written in the pools).
pub fn nicknames(formal: &str) -> &'static [&'static str] {
    NICKNAMES
        .iter()
        .find(|(f, _)| *f == formal)
        .map(|(_, n)| *n)
        .unwrap_or(&[])
}

/// Picks with a Zipf-like preference for the front of the list (common names first).
fn zipf<'a, T>(rng: &mut Rng, xs: &'a [T]) -> &'a T {
    // inverse transform of weights 1/(rank+8): sample a rank from a log-ish distribution
    let n = xs.len() as f64;
    let u = rng.f64();
    let k = ((n + 8.0).powf(u) * 8.0f64.powf(1.0 - u) - 8.0).floor() as usize;
    &xs[k.min(xs.len() - 1)]
}

/// [`zipf`] over a pool of names.
fn zipf_str(rng: &mut Rng, xs: &'static [&'static str]) -> &'static str {
    let x: &&'static str = zipf(rng, xs);
    x
}

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName {
    pub culture: Culture,
    pub given: Part,
    pub middle: Option<Part>,
    pub family: Part,
    /// A second family name (Hispanic), often dropped.
    pub family2: Option<Part>,
    /// The given name as written in the pool, for nicknames.
    pub formal: String,
}

fn cyr(native: &str, ukrainian: bool) -> Part {
    Part {
        native: Some(native.to_string()),
        latin: Romanisation::ALL
            .iter()
            .map(|s| romanise(native, *s, ukrainian))
            .collect(),
    }
}

/// Makes a name of `culture` for a person of `sex`.
pub fn make_name(rng: &mut Rng, culture: Culture, sex: Sex) -> PersonName {
    let male = sex == Sex::Male;
    let latin = |s: &str| Part::latin(s);
    let pick = |rng: &mut Rng,
                m: &'static [&'static str],
                f: &'static [&'static str]|
     -> &'static str { zipf_str(rng, if male { m } else { f }) };
    let (given, middle, family, family2, formal) = match culture {
        Culture::English => {
            let g = pick(rng, EN_MALE, EN_FEMALE);
            let m = rng
                .chance(0.55)
                .then(|| latin(pick(rng, EN_MALE, EN_FEMALE)));
            (
                latin(g),
                m,
                latin(zipf_str(rng, EN_FAMILY)),
                None,
                g.to_string(),
            )
        }
        Culture::Hispanic => {
            let g = pick(rng, ES_MALE, ES_FEMALE);
            let m = rng
                .chance(0.3)
                .then(|| latin(pick(rng, ES_MALE, ES_FEMALE)));
            let f2 = rng.chance(0.45).then(|| latin(zipf_str(rng, ES_FAMILY)));
            (
                latin(g),
                m,
                latin(zipf_str(rng, ES_FAMILY)),
                f2,
                g.to_string(),
            )
        }
        Culture::Portuguese => {
            let g = pick(rng, PT_MALE, PT_FEMALE);
            let m = rng
                .chance(0.4)
                .then(|| latin(pick(rng, PT_MALE, PT_FEMALE)));
            (
                latin(g),
                m,
                latin(zipf_str(rng, PT_FAMILY)),
                None,
                g.to_string(),
            )
        }
        Culture::German => {
            let g = pick(rng, DE_MALE, DE_FEMALE);
            let m = rng
                .chance(0.3)
                .then(|| latin(pick(rng, DE_MALE, DE_FEMALE)));
            (
                latin(g),
                m,
                latin(zipf_str(rng, DE_FAMILY)),
                None,
                g.to_string(),
            )
        }
        Culture::Russian | Culture::Ukrainian => {
            let ua = culture == Culture::Ukrainian;
            let (m, f, fam) = if ua {
                (UA_MALE, UA_FEMALE, UA_FAMILY)
            } else {
                (RU_MALE, RU_FEMALE, RU_FAMILY)
            };
            let g = pick(rng, m, f);
            let mut family = zipf(rng, fam).to_string();
            if !male
                && !ua
                && (family.ends_with("ов")
                    || family.ends_with("ев")
                    || family.ends_with("ин")
                    || family.ends_with("ёв"))
            {
                family.push('а');
            }
            (cyr(g, ua), None, cyr(&family, ua), None, g.to_string())
        }
        Culture::Chinese => {
            let (fh, fp, fw) = *zipf(rng, ZH_FAMILY);
            let options: Vec<&(&str, &str, &str, char)> = ZH_GIVEN
                .iter()
                .filter(|g| g.3 == 'B' || (g.3 == 'M') == male)
                .collect();
            let (gh, gp, gw, _) = **rng.pick(&options).unwrap_or(&&ZH_GIVEN[0]);
            let part = |h: &str, p: &str, w: &str| Part {
                native: Some(h.to_string()),
                latin: if p == w {
                    vec![p.to_string()]
                } else {
                    vec![p.to_string(), w.to_string()]
                },
            };
            (
                part(gh, gp, gw),
                None,
                part(fh, fp, fw),
                None,
                gp.to_string(),
            )
        }
        Culture::Indian | Culture::Arabic => {
            let (m, f, fam) = if culture == Culture::Indian {
                (HI_MALE, HI_FEMALE, HI_FAMILY)
            } else {
                (AR_MALE, AR_FEMALE, AR_FAMILY)
            };
            let (gn, gl) = *zipf(rng, if male { m } else { f });
            let (fn_, fl) = *zipf(rng, fam);
            let part = |n: &str, l: &[&str]| Part {
                native: Some(n.to_string()),
                latin: l.iter().map(|s| s.to_string()).collect(),
            };
            (part(gn, gl), None, part(fn_, fl), None, gl[0].to_string())
        }
    };
    PersonName {
        culture,
        given,
        middle,
        family,
        family2,
        formal,
    }
}

// === romanisation of Cyrillic ===

/// Systems people romanise Cyrillic names with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Romanisation {
    /// Passports since 2013 (ICAO 9303): Я→IA, Й→I, Х→KH, Ц→TS.
    Passport,
    /// BGN/PCGN: Я→YA, Й→Y, Е→YE at the start.
    Bgn,
    /// Informal English: КС→X, Я→YA, Й→Y.
    English,
    /// German: Ж→SCH, Ч→TSCH, Х→CH, В→W, Й→J, Я→JA.
    German,
}

impl Romanisation {
    pub const ALL: &'static [Romanisation] = &[
        Romanisation::Passport,
        Romanisation::Bgn,
        Romanisation::English,
        Romanisation::German,
    ];
}

/// Romanises a Cyrillic name (Russian or Ukrainian letters) in one system. The first letter
/// is capitalised, the rest lower case.
pub fn romanise(text: &str, system: Romanisation, ukrainian: bool) -> String {
    use Romanisation::*;
    let lower: Vec<char> = text.to_lowercase().chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < lower.len() {
        let c = lower[i];
        let start = i == 0 || !lower[i - 1].is_alphabetic();
        let next = lower.get(i + 1).copied();
        if system == English && c == 'к' && next == Some('с') {
            out.push('x');
            i += 2;
            continue;
        }
        let s: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => {
                if system == German {
                    "w"
                } else {
                    "v"
                }
            }
            'г' => {
                if ukrainian {
                    "h"
                } else {
                    "g"
                }
            }
            'ґ' => "g",
            'д' => "d",
            'е' => {
                if ukrainian {
                    "e"
                } else {
                    match system {
                        Bgn if start => "ye",
                        German if start => "je",
                        _ => "e",
                    }
                }
            }
            'є' => {
                if start {
                    "ye"
                } else {
                    "ie"
                }
            }
            'ё' => match system {
                Passport => "e",
                German => "jo",
                _ => "yo",
            },
            'ж' => match system {
                German => "sch",
                _ => "zh",
            },
            'з' => match system {
                German => "s",
                _ => "z",
            },
            'и' => {
                if ukrainian {
                    "y"
                } else {
                    "i"
                }
            }
            'і' => "i",
            'ї' => "i",
            'й' => match system {
                Passport => "i",
                German => "j",
                _ => "y",
            },
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => match system {
                German => "ch",
                _ => "kh",
            },
            'ц' => match system {
                German => "z",
                _ => "ts",
            },
            'ч' => match system {
                German => "tsch",
                _ => "ch",
            },
            'ш' => match system {
                German => "sch",
                _ => "sh",
            },
            'щ' => match system {
                German => "schtsch",
                _ => "shch",
            },
            'ъ' => match system {
                Passport => "ie",
                _ => "",
            },
            'ы' => "y",
            'ь' => "",
            'э' => "e",
            'ю' => match system {
                Passport => "iu",
                German => "ju",
                _ => "yu",
            },
            'я' => match system {
                Passport => "ia",
                German => "ja",
                _ => "ya",
            },
            '\'' | '’' => "",
            other => {
                out.push(other);
                i += 1;
                continue;
            }
        };
        out.push_str(s);
        i += 1;
    }
    // capitalise each word
    out.split(' ')
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_uppercase().collect::<String>() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// === misspellings ===

/// Spelling variants reports make of a word: a phonetic respelling (`ks`/`x`, `i`/`y`,
/// `v`/`w`, `ts`/`c`, `ph`/`f`, a doubled or single letter) or a typo (a letter replaced,
/// dropped, doubled or inserted, two letters swapped).
pub fn misspell(rng: &mut Rng, word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 3 {
        return word.to_string();
    }
    if word.is_ascii() && rng.chance(0.35) {
        const SWAPS: &[(&str, &str)] = &[
            ("ks", "x"),
            ("x", "ks"),
            ("i", "y"),
            ("y", "i"),
            ("v", "w"),
            ("w", "v"),
            ("ts", "c"),
            ("ph", "f"),
            ("f", "ph"),
            ("c", "k"),
            ("k", "c"),
            ("ll", "l"),
            ("l", "ll"),
            ("nn", "n"),
            ("tt", "t"),
            ("ie", "ei"),
            ("ou", "u"),
            ("th", "t"),
            ("ey", "y"),
            ("er", "re"),
        ];
        let lower = word.to_lowercase();
        let candidates: Vec<&(&str, &str)> = SWAPS
            .iter()
            .filter(|(from, _)| lower[1..].contains(from))
            .collect();
        if let Some((from, to)) = rng.pick(&candidates) {
            // replace one occurrence after the first letter, keeping the case of the word
            if let Some(pos) = lower[1..].find(from).map(|p| p + 1) {
                let upper = word.chars().all(|c| !c.is_alphabetic() || c.is_uppercase());
                let to = if upper {
                    to.to_uppercase()
                } else {
                    to.to_string()
                };
                let mut out = String::new();
                out.push_str(&word[..pos]);
                out.push_str(&to);
                out.push_str(&word[pos + from.len()..]);
                return out;
            }
        }
    }
    let mut cs = chars;
    // keep the first letter: typos there are rarer and easier to catch
    let i = 1 + rng.below(cs.len() - 1);
    let letters = "abcdefghiklmnoprstuvwy";
    let random = |rng: &mut Rng, like: char| -> char {
        let c = letters.chars().nth(rng.below(letters.len())).unwrap_or('e');
        if like.is_uppercase() {
            c.to_ascii_uppercase()
        } else {
            c
        }
    };
    match rng.below(5) {
        0 => {
            let c = random(rng, cs[i]);
            cs[i] = c;
        }
        1 if cs.len() > 4 => {
            cs.remove(i);
        }
        2 => {
            let c = cs[i];
            cs.insert(i, c);
        }
        3 if i + 1 < cs.len() => cs.swap(i, i + 1),
        _ => {
            let c = random(rng, cs[i]);
            cs.insert(i, c);
        }
    }
    cs.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn romanisation_systems_differ_as_they_should() {
        assert_eq!(
            romanise("Евгения", Romanisation::Passport, false),
            "Evgeniia"
        );
        assert_eq!(romanise("Евгения", Romanisation::Bgn, false), "Yevgeniya");
        assert_eq!(
            romanise("Коновалов", Romanisation::German, false),
            "Konowalow"
        );
        assert_eq!(
            romanise("Александр", Romanisation::English, false),
            "Alexandr"
        );
        assert_eq!(romanise("Юлия", Romanisation::Passport, false), "Iuliia");
        assert_eq!(romanise("Сніжана", Romanisation::Bgn, true), "Snizhana");
        assert_eq!(
            romanise("Захарова", Romanisation::Passport, false),
            "Zakharova"
        );
    }

    /// How each native name of the pools compares, as the matcher reads it, with the Latin
    /// spellings reports use for it (the best of the spellings; the best token pair of a
    /// part of several words, as the scorer takes it).
    fn native_vs_latin() -> Vec<(&'static str, String, String, TokenMatch)> {
        let part = |native: &str, latin: &str| -> TokenMatch {
            let (a, b) = (toks(native), toks(latin));
            a.iter()
                .flat_map(|x| b.iter().map(move |y| compare_tokens(x, y)))
                .max()
                .unwrap_or(TokenMatch::None)
        };
        let mut out = Vec::new();
        let mut add = |set: &'static str, native: &str, latins: &[String]| {
            let best = latins
                .iter()
                .map(|l| part(native, l))
                .max()
                .unwrap_or(TokenMatch::None);
            out.push((set, native.to_string(), latins.join("/"), best));
        };
        for (native, latins) in HI_MALE.iter().chain(HI_FEMALE).chain(HI_FAMILY) {
            add(
                "Devanagari",
                native,
                &latins.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            );
        }
        for (native, latins) in AR_MALE.iter().chain(AR_FEMALE).chain(AR_FAMILY) {
            add(
                "Arabic",
                native,
                &latins.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            );
        }
        for (han, pinyin, wade) in ZH_FAMILY {
            add("Han", han, &[pinyin.to_string(), wade.to_string()]);
        }
        for (han, pinyin, wade, _) in ZH_GIVEN {
            add("Han", han, &[pinyin.to_string(), wade.to_string()]);
        }
        for (names, ua) in [
            (RU_MALE, false),
            (RU_FEMALE, false),
            (RU_FAMILY, false),
            (UA_MALE, true),
            (UA_FEMALE, true),
            (UA_FAMILY, true),
        ] {
            for native in names {
                for sys in Romanisation::ALL {
                    add("Cyrillic", native, &[romanise(native, *sys, ua)]);
                }
            }
        }
        out
    }

    fn toks(s: &str) -> Vec<homeward_crossmatch::names::Tok> {
        homeward_crossmatch::names::toks(s)
    }

    use homeward_crossmatch::names::{TokenMatch, compare_tokens};

    #[test]
    fn native_names_transliterate_to_their_latin_spellings() {
        let rows = native_vs_latin();
        let mut summary = String::new();
        for set in ["Devanagari", "Arabic", "Han", "Cyrillic"] {
            let of: Vec<_> = rows.iter().filter(|r| r.0 == set).collect();
            let count = |f: &dyn Fn(TokenMatch) -> bool| of.iter().filter(|r| f(r.3)).count();
            let exact = count(&|m| m == TokenMatch::Exact);
            let close = count(&|m| m >= TokenMatch::Edit2);
            let weak = count(&|m| m > TokenMatch::None && m < TokenMatch::Edit2);
            summary.push_str(&format!(
                "{set}: {} names, {exact} exact, {close} exact or close (one or two edits, \
                 same consonants), {weak} weak (prefix, skeleton), {} none\n",
                of.len(),
                of.len() - close - weak
            ));
            for r in of.iter().filter(|r| r.3 < TokenMatch::Edit2) {
                summary.push_str(&format!(
                    "  {} -> {:?} vs {}: {:?}\n",
                    r.1,
                    tl(&r.1),
                    r.2,
                    r.3
                ));
            }
        }
        println!("{summary}");
        let share = |set: &str, f: &dyn Fn(TokenMatch) -> bool| {
            let of: Vec<_> = rows.iter().filter(|r| r.0 == set).collect();
            of.iter().filter(|r| f(r.3)).count() as f64 / of.len() as f64
        };
        // Devanagari: the romanisation gives one of the Latin spellings, or one letter off
        assert!(
            share("Devanagari", &|m| m == TokenMatch::Exact) >= 0.8,
            "{summary}"
        );
        assert!(
            share("Devanagari", &|m| m >= TokenMatch::Edit1) >= 0.98,
            "{summary}"
        );
        // Arabic: consonants as written, compared by consonants
        assert!(
            share("Arabic", &|m| m >= TokenMatch::Consonants) >= 0.95,
            "{summary}"
        );
        assert!(
            share("Han", &|m| m == TokenMatch::Exact) == 1.0,
            "{summary}"
        );
        // Cyrillic (any_ascii, unchanged): the German system's SCH for Ж and TSCH for Ч, and
        // Ё as E, are what stays apart
        assert!(
            share("Cyrillic", &|m| m >= TokenMatch::Edit2) >= 0.97,
            "{summary}"
        );
    }

    fn tl(s: &str) -> String {
        homeward_schemas::translit::to_latin(s)
    }

    #[test]
    fn misspellings_change_one_thing() {
        let mut rng = Rng::new(3);
        for _ in 0..200 {
            let w = misspell(&mut rng, "Robertson");
            assert_ne!(w, "");
            assert!(w.len().abs_diff(9) <= 2, "{w}");
            assert!(w.starts_with('R'));
        }
    }

    #[test]
    fn names_of_every_culture() {
        let mut rng = Rng::new(9);
        for c in [
            Culture::English,
            Culture::Hispanic,
            Culture::Portuguese,
            Culture::German,
            Culture::Russian,
            Culture::Ukrainian,
            Culture::Chinese,
            Culture::Indian,
            Culture::Arabic,
        ] {
            for sex in [Sex::Male, Sex::Female] {
                let n = make_name(&mut rng, c, sex);
                assert!(!n.given.usual().is_empty() && !n.family.usual().is_empty());
                assert_eq!(n.given.native.is_some(), c.script().is_some());
            }
        }
        let f = make_name(&mut Rng::new(1), Culture::Russian, Sex::Female);
        assert!(f.family.native.as_deref().unwrap_or("").ends_with('а'));
    }
}
