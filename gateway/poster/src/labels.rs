//! The words printed on a poster, per language.
//!
//! One [`Labels`] table per language the crate can write a poster in: `en`, `es`, `fr`, `pt`,
//! `de`, `ru`, `uk`, `zh` (Simplified Chinese), `hi`, `ar`. A language without a table is
//! reported as untranslated and the poster uses English for it.
//!
//! Wording choices, so that a reviewer fluent in the language can check them:
//!
//! - The heading is chosen by sex where the language marks it on the adjective (`es`, `fr`,
//!   `pt`, `hi`, `ar`), with a neutral form ("missing person") when the sex is unknown or other.
//!   `ru` and `uk` use the neutral notice wording ("ПРОПАЛ ЧЕЛОВЕК", "ЗНИКЛА ЛЮДИНА").
//! - "Last seen" is a place on the poster, so the Romance languages, Russian, Ukrainian and
//!   Arabic use "place of disappearance", which needs no gender agreement; "Missing since" is
//!   likewise "date of disappearance".
//! - Colour values are adjectives agreeing with the label: plural for eyes and hair in `es`,
//!   `fr`, `pt`, `ru`; the collective singular `волосся` in `uk`; masculine singular after
//!   "colour of" (`रंग`, `لون`) in `hi` and `ar`, whose labels say "eye colour", "hair colour".
//! - Tables follow the order of the code tables in `homeward_schemas::codes` (`Sex::ALL`,
//!   `EyeColor::ALL`, `HairColor::ALL`); a test checks the English table against the codes.

use homeward_schemas::{EyeColor, HairColor, Sex, Status};

/// The printed words of one language.
#[derive(Debug)]
pub struct Labels {
    /// BCP 47 primary language subtag.
    pub lang: &'static str,
    /// Written right to left.
    pub rtl: bool,
    /// Heading for an adult: male, female, other or unknown sex.
    pub missing: [&'static str; 3],
    /// Heading for a person under 18 when they disappeared: male, female, other or unknown.
    pub missing_child: [&'static str; 3],
    pub name: &'static str,
    pub aliases: &'static str,
    pub date_of_birth: &'static str,
    pub age_now: &'static str,
    pub age_at_disappearance: &'static str,
    pub sex: &'static str,
    pub height: &'static str,
    pub weight: &'static str,
    pub eyes: &'static str,
    pub hair: &'static str,
    pub marks: &'static str,
    pub last_seen: &'static str,
    pub missing_since: &'static str,
    pub description: &'static str,
    pub contact: &'static str,
    /// The whole sentence when the record names no agency or phone to contact.
    pub contact_police: &'static str,
    pub case_number: &'static str,
    pub nic: &'static str,
    /// The banner of a poster that is no longer active; `{what}` is one of the status phrases.
    pub banner: &'static str,
    /// Status phrases: (with `{date}`, without a date).
    pub located: (&'static str, &'static str),
    pub cleared: (&'static str, &'static str),
    pub cancelled: (&'static str, &'static str),
    pub identified: (&'static str, &'static str),
    /// In `Sex::ALL` order: male, female, unknown, other.
    pub sexes: [&'static str; 4],
    /// In `EyeColor::ALL` order: black, blue, brown, green, gray, hazel, maroon, multicolored,
    /// pink, unknown.
    pub eye_colors: [&'static str; 10],
    /// In `HairColor::ALL` order: bald, black, blond, blue, brown, green, gray, orange, purple,
    /// pink, red, sandy, white, unknown.
    pub hair_colors: [&'static str; 14],
}

impl Labels {
    pub fn sex_value(&self, sex: Sex) -> &'static str {
        index_of(Sex::ALL, sex)
            .and_then(|i| self.sexes.get(i))
            .copied()
            .unwrap_or(sex.as_str())
    }

    pub fn eye_value(&self, eye: EyeColor) -> &'static str {
        index_of(EyeColor::ALL, eye)
            .and_then(|i| self.eye_colors.get(i))
            .copied()
            .unwrap_or(eye.as_str())
    }

    pub fn hair_value(&self, hair: HairColor) -> &'static str {
        index_of(HairColor::ALL, hair)
            .and_then(|i| self.hair_colors.get(i))
            .copied()
            .unwrap_or(hair.as_str())
    }

    /// The heading: `child` when under 18 at disappearance; `sex` picks the grammatical form.
    pub fn heading(&self, child: bool, sex: Option<Sex>) -> &'static str {
        let forms = if child {
            &self.missing_child
        } else {
            &self.missing
        };
        match sex {
            Some(Sex::Male) => forms[0],
            Some(Sex::Female) => forms[1],
            _ => forms[2],
        }
    }

    /// The banner for a record in `status`, `None` for an active (or expired) record.
    pub fn banner_text(&self, status: Status, date: Option<&str>) -> Option<String> {
        let (with_date, without) = match status {
            Status::Located => self.located,
            Status::Cleared => self.cleared,
            Status::Cancelled => self.cancelled,
            Status::Identified => self.identified,
            Status::Active | Status::Expired => return None,
        };
        let what = match date {
            // In right-to-left text an ISO date is isolated (LRI … PDI), or the bidi
            // algorithm shows `2026-02-01` as `01-02-2026`.
            Some(d) if self.rtl => with_date.replace("{date}", &format!("\u{2066}{d}\u{2069}")),
            Some(d) => with_date.replace("{date}", d),
            None => without.to_string(),
        };
        Some(self.banner.replace("{what}", &what))
    }
}

fn index_of<T: PartialEq>(all: &[T], v: T) -> Option<usize> {
    all.iter().position(|x| *x == v)
}

/// The table of `lang` (a primary language subtag, lower case).
pub fn for_lang(lang: &str) -> Option<&'static Labels> {
    ALL.iter().copied().find(|l| l.lang == lang)
}

/// The English table, the fallback of every other.
pub fn english() -> &'static Labels {
    &EN
}

/// Whether a language is written right to left (whether or not it has a table).
pub fn is_rtl_lang(lang: &str) -> bool {
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    matches!(
        primary.to_ascii_lowercase().as_str(),
        "ar" | "he" | "iw" | "fa" | "ur" | "ps" | "yi" | "dv" | "ckb" | "sd" | "ug"
    )
}

/// Every table.
pub const ALL: &[&Labels] = &[&EN, &ES, &FR, &PT, &DE, &RU, &UK, &ZH, &HI, &AR];

pub static EN: Labels = Labels {
    lang: "en",
    rtl: false,
    missing: ["MISSING", "MISSING", "MISSING"],
    missing_child: ["MISSING CHILD", "MISSING CHILD", "MISSING CHILD"],
    name: "Name",
    aliases: "Also known as",
    date_of_birth: "Date of birth",
    age_now: "Age now",
    age_at_disappearance: "Age at disappearance",
    sex: "Sex",
    height: "Height",
    weight: "Weight",
    eyes: "Eyes",
    hair: "Hair",
    marks: "Marks, scars, tattoos",
    last_seen: "Last seen",
    missing_since: "Missing since",
    description: "Description",
    contact: "If you have information, contact",
    contact_police: "If you have information, contact the police",
    case_number: "Case number",
    nic: "NIC",
    banner: "NOT ACTIVE — {what}: do not distribute",
    located: (
        "this person was located on {date}",
        "this person was located",
    ),
    cleared: ("this case was closed on {date}", "this case was closed"),
    cancelled: (
        "this report was withdrawn on {date}",
        "this report was withdrawn",
    ),
    identified: (
        "this person was identified on {date}",
        "this person was identified",
    ),
    sexes: ["male", "female", "unknown", "other"],
    eye_colors: [
        "black",
        "blue",
        "brown",
        "green",
        "gray",
        "hazel",
        "maroon",
        "multicolored",
        "pink",
        "unknown",
    ],
    hair_colors: [
        "bald", "black", "blond", "blue", "brown", "green", "gray", "orange", "purple", "pink",
        "red", "sandy", "white", "unknown",
    ],
};

pub static ES: Labels = Labels {
    lang: "es",
    rtl: false,
    missing: ["DESAPARECIDO", "DESAPARECIDA", "PERSONA DESAPARECIDA"],
    missing_child: [
        "NIÑO DESAPARECIDO",
        "NIÑA DESAPARECIDA",
        "MENOR DESAPARECIDO",
    ],
    name: "Nombre",
    aliases: "Otros nombres",
    date_of_birth: "Fecha de nacimiento",
    age_now: "Edad actual",
    age_at_disappearance: "Edad al desaparecer",
    sex: "Sexo",
    height: "Estatura",
    weight: "Peso",
    eyes: "Ojos",
    hair: "Cabello",
    marks: "Marcas, cicatrices, tatuajes",
    last_seen: "Lugar de desaparición",
    missing_since: "Fecha de desaparición",
    description: "Descripción",
    contact: "Si tiene información, comuníquese con",
    contact_police: "Si tiene información, comuníquese con la policía",
    case_number: "Número de caso",
    nic: "NIC",
    banner: "NO VIGENTE — {what}: no distribuir",
    located: (
        "esta persona fue localizada el {date}",
        "esta persona fue localizada",
    ),
    cleared: ("este caso se cerró el {date}", "este caso se cerró"),
    cancelled: (
        "esta denuncia fue retirada el {date}",
        "esta denuncia fue retirada",
    ),
    identified: (
        "esta persona fue identificada el {date}",
        "esta persona fue identificada",
    ),
    sexes: ["masculino", "femenino", "desconocido", "otro"],
    eye_colors: [
        "negros",
        "azules",
        "marrones",
        "verdes",
        "grises",
        "color avellana",
        "granates",
        "multicolores",
        "rosados",
        "desconocido",
    ],
    hair_colors: [
        "calvo",
        "negro",
        "rubio",
        "azul",
        "castaño",
        "verde",
        "canoso",
        "naranja",
        "morado",
        "rosa",
        "pelirrojo",
        "rubio oscuro",
        "blanco",
        "desconocido",
    ],
};

pub static FR: Labels = Labels {
    lang: "fr",
    rtl: false,
    missing: ["DISPARU", "DISPARUE", "PERSONNE DISPARUE"],
    missing_child: ["ENFANT DISPARU", "ENFANT DISPARUE", "ENFANT DISPARU"],
    name: "Nom",
    aliases: "Autres noms",
    date_of_birth: "Date de naissance",
    age_now: "Âge actuel",
    age_at_disappearance: "Âge lors de la disparition",
    sex: "Sexe",
    height: "Taille",
    weight: "Poids",
    eyes: "Yeux",
    hair: "Cheveux",
    marks: "Signes particuliers",
    last_seen: "Lieu de disparition",
    missing_since: "Date de disparition",
    description: "Description",
    contact: "Si vous avez des informations, contactez",
    contact_police: "Si vous avez des informations, contactez la police",
    case_number: "Numéro de dossier",
    nic: "NIC",
    banner: "AVIS DE RECHERCHE LEVÉ — {what}\u{a0}: ne pas diffuser",
    located: (
        "cette personne a été retrouvée le {date}",
        "cette personne a été retrouvée",
    ),
    cleared: ("ce dossier a été clos le {date}", "ce dossier a été clos"),
    cancelled: (
        "ce signalement a été retiré le {date}",
        "ce signalement a été retiré",
    ),
    identified: (
        "cette personne a été identifiée le {date}",
        "cette personne a été identifiée",
    ),
    sexes: ["masculin", "féminin", "inconnu", "autre"],
    eye_colors: [
        "noirs",
        "bleus",
        "marron",
        "verts",
        "gris",
        "noisette",
        "bordeaux",
        "multicolores",
        "roses",
        "inconnu",
    ],
    hair_colors: [
        "chauve",
        "noirs",
        "blonds",
        "bleus",
        "châtains",
        "verts",
        "gris",
        "orange",
        "violets",
        "roses",
        "roux",
        "blond foncé",
        "blancs",
        "inconnu",
    ],
};

pub static PT: Labels = Labels {
    lang: "pt",
    rtl: false,
    missing: ["DESAPARECIDO", "DESAPARECIDA", "PESSOA DESAPARECIDA"],
    missing_child: [
        "CRIANÇA DESAPARECIDA",
        "CRIANÇA DESAPARECIDA",
        "CRIANÇA DESAPARECIDA",
    ],
    name: "Nome",
    aliases: "Outros nomes",
    date_of_birth: "Data de nascimento",
    age_now: "Idade atual",
    age_at_disappearance: "Idade ao desaparecer",
    sex: "Sexo",
    height: "Altura",
    weight: "Peso",
    eyes: "Olhos",
    hair: "Cabelo",
    marks: "Sinais, cicatrizes, tatuagens",
    last_seen: "Local do desaparecimento",
    missing_since: "Data do desaparecimento",
    description: "Descrição",
    contact: "Se tiver informações, entre em contato com",
    contact_police: "Se tiver informações, entre em contato com a polícia",
    case_number: "Número do caso",
    nic: "NIC",
    banner: "ALERTA ENCERRADO — {what}: não divulgar",
    located: (
        "esta pessoa foi localizada em {date}",
        "esta pessoa foi localizada",
    ),
    cleared: (
        "este caso foi encerrado em {date}",
        "este caso foi encerrado",
    ),
    cancelled: (
        "este registro foi cancelado em {date}",
        "este registro foi cancelado",
    ),
    identified: (
        "esta pessoa foi identificada em {date}",
        "esta pessoa foi identificada",
    ),
    sexes: ["masculino", "feminino", "desconhecido", "outro"],
    eye_colors: [
        "pretos",
        "azuis",
        "castanhos",
        "verdes",
        "cinza",
        "cor de mel",
        "bordô",
        "multicoloridos",
        "rosados",
        "desconhecido",
    ],
    hair_colors: [
        "calvo",
        "preto",
        "loiro",
        "azul",
        "castanho",
        "verde",
        "grisalho",
        "laranja",
        "roxo",
        "rosa",
        "ruivo",
        "loiro-escuro",
        "branco",
        "desconhecido",
    ],
};

pub static DE: Labels = Labels {
    lang: "de",
    rtl: false,
    missing: ["VERMISST", "VERMISST", "VERMISST"],
    missing_child: ["VERMISSTES KIND", "VERMISSTES KIND", "VERMISSTES KIND"],
    name: "Name",
    aliases: "Auch bekannt als",
    date_of_birth: "Geburtsdatum",
    age_now: "Heutiges Alter",
    age_at_disappearance: "Alter beim Verschwinden",
    sex: "Geschlecht",
    height: "Größe",
    weight: "Gewicht",
    eyes: "Augen",
    hair: "Haare",
    marks: "Besondere Merkmale",
    last_seen: "Zuletzt gesehen",
    missing_since: "Vermisst seit",
    description: "Beschreibung",
    contact: "Wenn Sie Hinweise haben, wenden Sie sich an",
    contact_police: "Wenn Sie Hinweise haben, wenden Sie sich an die Polizei",
    case_number: "Aktenzeichen",
    nic: "NIC",
    banner: "NICHT MEHR AKTUELL — {what}: nicht weiterverbreiten",
    located: (
        "diese Person wurde am {date} aufgefunden",
        "diese Person wurde aufgefunden",
    ),
    cleared: (
        "dieser Fall wurde am {date} abgeschlossen",
        "dieser Fall wurde abgeschlossen",
    ),
    cancelled: (
        "diese Meldung wurde am {date} zurückgezogen",
        "diese Meldung wurde zurückgezogen",
    ),
    identified: (
        "diese Person wurde am {date} identifiziert",
        "diese Person wurde identifiziert",
    ),
    sexes: ["männlich", "weiblich", "unbekannt", "divers"],
    eye_colors: [
        "schwarz",
        "blau",
        "braun",
        "grün",
        "grau",
        "haselnussbraun",
        "rotbraun",
        "mehrfarbig",
        "rosa",
        "unbekannt",
    ],
    hair_colors: [
        "Glatze",
        "schwarz",
        "blond",
        "blau",
        "braun",
        "grün",
        "grau",
        "orange",
        "lila",
        "rosa",
        "rot",
        "dunkelblond",
        "weiß",
        "unbekannt",
    ],
};

pub static RU: Labels = Labels {
    lang: "ru",
    rtl: false,
    missing: ["ПРОПАЛ ЧЕЛОВЕК", "ПРОПАЛ ЧЕЛОВЕК", "ПРОПАЛ ЧЕЛОВЕК"],
    missing_child: ["ПРОПАЛ РЕБЁНОК", "ПРОПАЛ РЕБЁНОК", "ПРОПАЛ РЕБЁНОК"],
    name: "Имя",
    aliases: "Другие имена",
    date_of_birth: "Дата рождения",
    age_now: "Возраст сейчас",
    age_at_disappearance: "Возраст на момент исчезновения",
    sex: "Пол",
    height: "Рост",
    weight: "Вес",
    eyes: "Глаза",
    hair: "Волосы",
    marks: "Особые приметы",
    last_seen: "Место исчезновения",
    missing_since: "Дата исчезновения",
    description: "Описание",
    contact: "Если у вас есть информация, обращайтесь",
    contact_police: "Если у вас есть информация, обращайтесь в полицию",
    case_number: "Номер дела",
    nic: "NIC",
    banner: "НЕАКТУАЛЬНО — {what}: не распространять",
    located: ("этот человек найден {date}", "этот человек найден"),
    cleared: ("розыск прекращён {date}", "розыск прекращён"),
    cancelled: ("заявление отозвано {date}", "заявление отозвано"),
    identified: ("личность установлена {date}", "личность установлена"),
    sexes: ["мужской", "женский", "неизвестно", "другой"],
    eye_colors: [
        "чёрные",
        "голубые",
        "карие",
        "зелёные",
        "серые",
        "ореховые",
        "бордовые",
        "разноцветные",
        "розовые",
        "неизвестно",
    ],
    hair_colors: [
        "нет (лысый)",
        "чёрные",
        "светлые",
        "синие",
        "каштановые",
        "зелёные",
        "седые",
        "оранжевые",
        "фиолетовые",
        "розовые",
        "рыжие",
        "русые",
        "белые",
        "неизвестно",
    ],
};

pub static UK: Labels = Labels {
    lang: "uk",
    rtl: false,
    missing: ["ЗНИКЛА ЛЮДИНА", "ЗНИКЛА ЛЮДИНА", "ЗНИКЛА ЛЮДИНА"],
    missing_child: ["ЗНИКЛА ДИТИНА", "ЗНИКЛА ДИТИНА", "ЗНИКЛА ДИТИНА"],
    name: "Ім’я",
    aliases: "Інші імена",
    date_of_birth: "Дата народження",
    age_now: "Вік зараз",
    age_at_disappearance: "Вік на момент зникнення",
    sex: "Стать",
    height: "Зріст",
    weight: "Вага",
    eyes: "Очі",
    hair: "Волосся",
    marks: "Особливі прикмети",
    last_seen: "Місце зникнення",
    missing_since: "Дата зникнення",
    description: "Опис",
    contact: "Якщо у вас є інформація, звертайтеся",
    contact_police: "Якщо у вас є інформація, звертайтеся до поліції",
    case_number: "Номер справи",
    nic: "NIC",
    banner: "НЕАКТУАЛЬНО — {what}: не поширювати",
    located: ("цю людину знайдено {date}", "цю людину знайдено"),
    cleared: ("розшук припинено {date}", "розшук припинено"),
    cancelled: ("заяву відкликано {date}", "заяву відкликано"),
    identified: ("особу встановлено {date}", "особу встановлено"),
    sexes: ["чоловіча", "жіноча", "невідомо", "інша"],
    eye_colors: [
        "чорні",
        "блакитні",
        "карі",
        "зелені",
        "сірі",
        "горіхові",
        "бордові",
        "різнокольорові",
        "рожеві",
        "невідомо",
    ],
    hair_colors: [
        "немає (лисий)",
        "чорне",
        "світле",
        "синє",
        "каштанове",
        "зелене",
        "сиве",
        "помаранчеве",
        "фіолетове",
        "рожеве",
        "руде",
        "русяве",
        "біле",
        "невідомо",
    ],
};

pub static ZH: Labels = Labels {
    lang: "zh",
    rtl: false,
    missing: ["失踪人员", "失踪人员", "失踪人员"],
    missing_child: ["失踪儿童", "失踪儿童", "失踪儿童"],
    name: "姓名",
    aliases: "别名",
    date_of_birth: "出生日期",
    age_now: "现年",
    age_at_disappearance: "失踪时年龄",
    sex: "性别",
    height: "身高",
    weight: "体重",
    eyes: "眼睛颜色",
    hair: "头发颜色",
    marks: "体貌特征（疤痕、胎记、纹身）",
    last_seen: "最后出现地点",
    missing_since: "失踪日期",
    description: "描述",
    contact: "如有线索，请联系",
    contact_police: "如有线索，请联系当地警方",
    case_number: "案件编号",
    nic: "NIC 编号",
    banner: "已失效——{what}：请勿传播",
    located: ("此人已于{date}找到", "此人已找到"),
    cleared: ("此案已于{date}结案", "此案已结案"),
    cancelled: ("此报案已于{date}撤销", "此报案已撤销"),
    identified: ("此人身份已于{date}确认", "此人身份已确认"),
    sexes: ["男", "女", "不详", "其他"],
    eye_colors: [
        "黑色",
        "蓝色",
        "棕色",
        "绿色",
        "灰色",
        "淡褐色",
        "褐红色",
        "多色",
        "粉色",
        "不详",
    ],
    hair_colors: [
        "秃头",
        "黑色",
        "金色",
        "蓝色",
        "棕色",
        "绿色",
        "灰白",
        "橙色",
        "紫色",
        "粉色",
        "红色",
        "浅黄褐色",
        "白色",
        "不详",
    ],
};

pub static HI: Labels = Labels {
    lang: "hi",
    rtl: false,
    missing: ["लापता व्यक्ति", "लापता व्यक्ति", "लापता व्यक्ति"],
    missing_child: ["लापता बच्चा", "लापता बच्ची", "लापता बच्चा"],
    name: "नाम",
    aliases: "अन्य नाम",
    date_of_birth: "जन्म तिथि",
    age_now: "वर्तमान आयु",
    age_at_disappearance: "लापता होने के समय आयु",
    sex: "लिंग",
    height: "कद",
    weight: "वज़न",
    eyes: "आँखों का रंग",
    hair: "बालों का रंग",
    marks: "पहचान चिह्न (निशान, टैटू)",
    last_seen: "अंतिम बार देखे जाने का स्थान",
    missing_since: "लापता होने की तिथि",
    description: "विवरण",
    contact: "यदि आपके पास कोई जानकारी है, तो संपर्क करें",
    contact_police: "यदि आपके पास कोई जानकारी है, तो पुलिस से संपर्क करें",
    case_number: "मामला संख्या",
    nic: "NIC संख्या",
    banner: "सक्रिय नहीं — {what}: कृपया वितरित न करें",
    located: (
        "इस व्यक्ति का पता {date} को लगा लिया गया",
        "इस व्यक्ति का पता लगा लिया गया",
    ),
    cleared: (
        "यह मामला {date} को बंद कर दिया गया",
        "यह मामला बंद कर दिया गया",
    ),
    cancelled: ("यह रिपोर्ट {date} को वापस ले ली गई", "यह रिपोर्ट वापस ले ली गई"),
    identified: (
        "इस व्यक्ति की पहचान {date} को हो गई",
        "इस व्यक्ति की पहचान हो गई",
    ),
    sexes: ["पुरुष", "महिला", "अज्ञात", "अन्य"],
    eye_colors: [
        "काला",
        "नीला",
        "भूरा",
        "हरा",
        "स्लेटी",
        "भूरा-हरा",
        "कत्थई",
        "बहुरंगी",
        "गुलाबी",
        "अज्ञात",
    ],
    hair_colors: [
        "गंजा",
        "काला",
        "सुनहरा",
        "नीला",
        "भूरा",
        "हरा",
        "स्लेटी",
        "नारंगी",
        "बैंगनी",
        "गुलाबी",
        "लाल",
        "हल्का भूरा",
        "सफ़ेद",
        "अज्ञात",
    ],
};

pub static AR: Labels = Labels {
    lang: "ar",
    rtl: true,
    missing: ["مفقود", "مفقودة", "شخص مفقود"],
    missing_child: ["طفل مفقود", "طفلة مفقودة", "طفل مفقود"],
    name: "الاسم",
    aliases: "أسماء أخرى",
    date_of_birth: "تاريخ الميلاد",
    age_now: "العمر الحالي",
    age_at_disappearance: "العمر عند الاختفاء",
    sex: "الجنس",
    height: "الطول",
    weight: "الوزن",
    eyes: "لون العينين",
    hair: "لون الشعر",
    marks: "علامات مميزة (ندوب، وشوم)",
    last_seen: "مكان الاختفاء",
    missing_since: "تاريخ الاختفاء",
    description: "الوصف",
    contact: "إذا كانت لديك معلومات، يُرجى التواصل مع",
    contact_police: "إذا كانت لديك معلومات، يُرجى التواصل مع الشرطة",
    case_number: "رقم القضية",
    nic: "رقم NIC",
    banner: "لم يعد سارياً — {what}: يُرجى عدم النشر",
    located: (
        "تم العثور على هذا الشخص في {date}",
        "تم العثور على هذا الشخص",
    ),
    cleared: ("أُغلقت هذه القضية في {date}", "أُغلقت هذه القضية"),
    cancelled: ("سُحب هذا البلاغ في {date}", "سُحب هذا البلاغ"),
    identified: (
        "تم التعرف على هوية هذا الشخص في {date}",
        "تم التعرف على هوية هذا الشخص",
    ),
    sexes: ["ذكر", "أنثى", "غير معروف", "آخر"],
    eye_colors: [
        "أسود",
        "أزرق",
        "بني",
        "أخضر",
        "رمادي",
        "عسلي",
        "خمري",
        "متعدد الألوان",
        "وردي",
        "غير معروف",
    ],
    hair_colors: [
        "أصلع",
        "أسود",
        "أشقر",
        "أزرق",
        "بني",
        "أخضر",
        "رمادي",
        "برتقالي",
        "بنفسجي",
        "وردي",
        "أحمر",
        "أشقر رملي",
        "أبيض",
        "غير معروف",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_tables_follow_the_code_tables() {
        for (i, s) in Sex::ALL.iter().enumerate() {
            assert_eq!(EN.sexes[i], s.as_str());
        }
        for (i, e) in EyeColor::ALL.iter().enumerate() {
            assert_eq!(EN.eye_colors[i], e.as_str());
        }
        for (i, h) in HairColor::ALL.iter().enumerate() {
            assert_eq!(EN.hair_colors[i], h.as_str());
        }
        assert_eq!(Sex::ALL.len(), EN.sexes.len());
        assert_eq!(EyeColor::ALL.len(), EN.eye_colors.len());
        assert_eq!(HairColor::ALL.len(), EN.hair_colors.len());
    }

    #[test]
    fn every_table_is_complete_and_templates_have_their_slots() {
        for l in ALL {
            assert!(l.banner.contains("{what}"), "{}", l.lang);
            for (with, without) in [l.located, l.cleared, l.cancelled, l.identified] {
                assert!(with.contains("{date}"), "{}: {with}", l.lang);
                assert!(!without.contains('{'), "{}: {without}", l.lang);
            }
            let words = [
                l.name,
                l.aliases,
                l.date_of_birth,
                l.age_now,
                l.age_at_disappearance,
                l.sex,
                l.height,
                l.weight,
                l.eyes,
                l.hair,
                l.marks,
                l.last_seen,
                l.missing_since,
                l.description,
                l.contact,
                l.contact_police,
                l.case_number,
                l.nic,
            ];
            for w in words.iter().chain(&l.missing).chain(&l.missing_child) {
                assert!(!w.trim().is_empty(), "{}", l.lang);
            }
            for w in l.sexes.iter().chain(&l.eye_colors).chain(&l.hair_colors) {
                assert!(!w.trim().is_empty(), "{}", l.lang);
            }
            assert_eq!(l.rtl, is_rtl_lang(l.lang));
        }
        assert_eq!(
            ALL.iter().map(|l| l.lang).collect::<Vec<_>>(),
            ["en", "es", "fr", "pt", "de", "ru", "uk", "zh", "hi", "ar"]
        );
    }

    #[test]
    fn banners_read_whole() {
        assert_eq!(
            EN.banner_text(Status::Located, Some("2025-02-01"))
                .as_deref(),
            Some("NOT ACTIVE — this person was located on 2025-02-01: do not distribute")
        );
        assert_eq!(
            RU.banner_text(Status::Located, None).as_deref(),
            Some("НЕАКТУАЛЬНО — этот человек найден: не распространять")
        );
        assert_eq!(EN.banner_text(Status::Active, None), None);
        assert_eq!(ES.heading(true, Some(Sex::Female)), "NIÑA DESAPARECIDA");
        assert_eq!(ES.heading(false, None), "PERSONA DESAPARECIDA");
        assert_eq!(RU.eye_value(EyeColor::Brown), "карие");
        // Dates in right-to-left text are isolated so they read left to right.
        let ar = AR.banner_text(Status::Located, Some("2026-02-01")).unwrap();
        assert!(ar.contains("\u{2066}2026-02-01\u{2069}"), "{ar}");
    }
}
