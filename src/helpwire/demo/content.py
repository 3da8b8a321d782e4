"""Russian text pools for the demo: the team, people, companies, tags, fields and the
small phrases every conversation is stitched from. The conversations themselves are in
``helpwire.demo.scenarios``.

The demo team works for «Экспресс Посылка», a parcel delivery service with an app, a courier
network, pickup points, international shipping through customs and business clients who
connect their online shops — the kind of support the customer stories in ``seeds/``
describe (Boxberry, Mobifitness, iGooods, Samsonite).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- the team -----------------------------------------------------------------------------

SUPPORT = "Техподдержка"
ONBOARDING = "Внедрение"
CLAIMS = "Претензии"

GROUPS: dict[str, str] = {
    SUPPORT: "Первая линия: доставка, оплата, приложение. Почта, чат, Телеграм и звонки.",
    ONBOARDING: "Подключение интернет-магазинов: API, модули CMS, договоры, обучение.",
    CLAIMS: "Повреждения, утери, компенсации и возвраты денег.",
}

ADMIN_EMAIL = "admin@helpwire.local"


@dataclass(frozen=True)
class DemoAgent:
    email: str
    name: str
    role: str
    groups: tuple[str, ...]
    # How often the agent is picked as assignee among his group's members.
    weight: int = 10


AGENTS: tuple[DemoAgent, ...] = (
    DemoAgent(ADMIN_EMAIL, "Ольга Смирнова", "admin", (SUPPORT,), weight=1),
    DemoAgent("marina.kotova@helpwire.local", "Марина Котова", "supervisor",
              (SUPPORT, ONBOARDING, CLAIMS), weight=3),
    DemoAgent("dmitry.orlov@helpwire.local", "Дмитрий Орлов", "agent", (SUPPORT,), weight=12),
    DemoAgent("ekaterina.belova@helpwire.local", "Екатерина Белова", "agent",
              (SUPPORT, CLAIMS), weight=10),
    DemoAgent("artem.nikitin@helpwire.local", "Артём Никитин", "agent",
              (SUPPORT, ONBOARDING), weight=10),
    DemoAgent("igor.lebedev@helpwire.local", "Игорь Лебедев", "contractor", (ONBOARDING,),
              weight=6),
)

# --- channels -----------------------------------------------------------------------------

# (kind, name, default group) of the demo channels; API and Manual are the built-ins.
CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("email", "Почта support@", SUPPORT),
    ("telegram", "Телеграм-бот", SUPPORT),
    ("widget", "Чат на сайте", SUPPORT),
    ("phone", "Телефония UIS", SUPPORT),
)
MARKER_CHANNEL = "Почта support@"  # present once the base demo data is loaded
DEMO_MAILBOX = "support@demo.helpwire.local"

# How often a ticket arrives on each kind of channel (the client must be reachable there).
CHANNEL_WEIGHTS: dict[str, int] = {
    "email": 36, "telegram": 24, "widget": 18, "phone": 13, "manual": 5, "api": 4,
}

# --- people -------------------------------------------------------------------------------

MALE_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Виктор",
    "Владимир", "Владислав", "Георгий", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь",
    "Илья", "Кирилл", "Константин", "Максим", "Михаил", "Никита", "Николай", "Олег", "Павел",
    "Роман", "Руслан", "Сергей", "Станислав", "Степан", "Тимур", "Фёдор", "Юрий", "Ярослав",
)
FEMALE_NAMES = (
    "Алёна", "Алина", "Алла", "Анастасия", "Анна", "Валерия", "Вера", "Виктория", "Галина",
    "Дарья", "Диана", "Евгения", "Екатерина", "Елена", "Елизавета", "Ирина", "Кристина",
    "Ксения", "Лариса", "Любовь", "Людмила", "Маргарита", "Марина", "Мария", "Надежда",
    "Наталья", "Нина", "Оксана", "Ольга", "Полина", "Светлана", "Софья", "Татьяна", "Юлия",
)
# Male forms; female forms are derived by ``feminine``.
SURNAMES = (
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв",
    "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов",
    "Пономарёв", "Голубев", "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв",
    "Овчинников", "Трофимов", "Леонов", "Соболев", "Ермаков", "Колесников", "Гончаров",
    "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин", "Ефремов", "Архипов", "Громов",
    "Кириллов", "Малышев", "Панов", "Моисеев", "Румянцев", "Акимов", "Кондратьев", "Бирюков",
    "Горбунов", "Анисимов", "Ерёмин", "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов",
    "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков",
    "Левин", "Митрофанов", "Воронов", "Аксёнов", "Софронов", "Мальцев", "Логинов", "Горшков",
    "Савин", "Краснов", "Майоров", "Демидов", "Елисеев", "Рыбаков", "Сафонов", "Плотников",
    "Дьячков", "Островский", "Вишневский", "Жданов", "Лавров", "Шилов", "Шестаков", "Зуев",
)

EMAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "inbox.ru", "list.ru",
                 "rambler.ru", "ya.ru")


def feminine(surname: str) -> str:
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    return surname


_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def translit(text: str) -> str:
    """Latin letters for an email local part: «Фёдор Ильин» → "fedor.ilin"."""
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return ".".join(part for part in out.replace("-", " ").split() if part)


# --- companies ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCompany:
    name: str
    domain: str
    is_internal: bool
    people: int
    # The scenario group its people write about (see scenarios.Scenario.audience).
    audience: str


COMPANIES: tuple[DemoCompany, ...] = (
    DemoCompany("Таможенный департамент", "customs.express-posylka.ru", True, 14, "internal"),
    DemoCompany("Склад «Подольск»", "sklad.express-posylka.ru", True, 8, "internal"),
    DemoCompany("ООО «Чемоданы и сумки»", "bags-and-more.ru", False, 7, "business"),
    DemoCompany("Фитнес-клуб «Атлет»", "atlet-fitness.ru", False, 5, "business"),
    DemoCompany("ООО «ГринФуд»", "greenfood-market.ru", False, 6, "business"),
    DemoCompany("ИП Соколова, магазин «Лавка»", "lavka-handmade.ru", False, 4, "business"),
    DemoCompany("ООО «ТехноДом»", "technodom-shop.ru", False, 6, "business"),
)
INDIVIDUAL_CLIENTS = 247  # plus the company people above and the spam senders: ~300
SPAM_SENDERS: tuple[tuple[str, str], ...] = (
    ("Продвижение сайтов ТОП-10", "seo-top10@promo-mailer.ru"),
    ("Бизнес-базы 2025", "baza@bizbase-sale.ru"),
    ("Розыгрыш призов", "winner@lucky-prize.info"),
)

# --- tags ---------------------------------------------------------------------------------

TAG_PATHS: tuple[str, ...] = (
    "Доставка › Сроки › Задержка в пути",
    "Доставка › Сроки › Задержка на таможне",
    "Доставка › Адрес › Изменение адреса",
    "Доставка › Курьер › Опоздание",
    "Доставка › Курьер › Грубость",
    "Доставка › Пункты выдачи › Не работает ПВЗ",
    "Доставка › Таможня › Документы",
    "Доставка › Таможня › Пошлина",
    "Оплата › Ошибки оплаты › Карта отклонена",
    "Оплата › Списания › Двойное списание",
    "Оплата › Возврат › Частичный",
    "Оплата › Возврат › Полный",
    "Приложение › Ошибки › Не входит",
    "Приложение › Ошибки › Вылетает",
    "Приложение › Ошибки › Не работает трекинг",
    "Приложение › Авторизация › Нет СМС",
    "Тарифы › Международная доставка › Стоимость",
    "Тарифы › По России › Стоимость",
    "Претензии › Повреждение › Упаковка",
    "Претензии › Повреждение › Товар",
    "Претензии › Утеря › Полная",
    "Претензии › Утеря › Частичная",
    "Претензии › Компенсация › За задержку",
    "Внедрение › API › Подключение",
    "Внедрение › API › Вебхуки",
    "Внедрение › Модули CMS › 1С-Битрикс",
    "Внедрение › Договор › Документы",
    "Внедрение › Обучение › Вебинар",
    "Мне неудобно › Интерфейс › Поиск заказа",
    "Мне неудобно › Интерфейс › Уведомления",
    "Мне неудобно › Доставка › Интервалы",
    "Внутренние › Склад › Ускорить отправку",
    "Спам",
)

# --- custom fields --------------------------------------------------------------------------

TOPIC_FIELD = "topic"
CLAIM_FIELD = "claim_category"
CALLBACK_FIELD = "callback"
ORDER_FIELD = "order_number"

TOPICS = ("Статус заказа", "Доставка", "Оплата", "Возврат", "Приложение", "Тарифы",
          "Подключение магазина", "Претензия", "Внутренний запрос", "Другое")

CLAIM_OPTIONS: list[dict[str, object]] = [
    {"value": "Повреждение", "children": [{"value": "Упаковка"}, {"value": "Товар"}]},
    {"value": "Утеря", "children": [{"value": "Полная"}, {"value": "Частичная"}]},
    {"value": "Задержка", "children": [{"value": "Компенсация"}, {"value": "Отказ от заказа"}]},
    {"value": "Оплата", "children": [{"value": "Возврат"}, {"value": "Двойное списание"}]},
]


@dataclass(frozen=True)
class DemoField:
    key: str
    label: str
    kind: str
    options: object
    required: bool
    position: int
    channels: tuple[str, ...] = ()  # channel names; empty means every channel


FIELDS: tuple[DemoField, ...] = (
    DemoField(TOPIC_FIELD, "Тема обращения", "list", list(TOPICS), True, 10),
    DemoField(CLAIM_FIELD, "Категория претензии", "nested", CLAIM_OPTIONS, False, 20),
    DemoField(CALLBACK_FIELD, "Нужен звонок", "checkbox", [], False, 30,
              channels=("Телеграм-бот", "Чат на сайте")),
    DemoField(ORDER_FIELD, "Номер заказа", "text", [], False, 40),
)

# --- the phrases every conversation is stitched from ----------------------------------------
# Placeholders: {name} the client's first name, {agent} the agent's first name, {order} an
# order number, {number} the ticket number, {mention} another agent's name.

CLIENT_SIGN_OFFS = ("", "", "Спасибо.", "Заранее спасибо!", "Жду ответа.", "С уважением, {full}")
AGENT_GREETINGS = (
    "Здравствуйте, {name}!", "Добрый день, {name}!", "{name}, здравствуйте!",
    "Здравствуйте!", "Добрый день!",
)
AGENT_SIGNATURES = (
    "С уважением, {agent}\nслужба поддержки «Экспресс Посылка»",
    "Хорошего дня!\n{agent}, поддержка «Экспресс Посылка»",
    "Если останутся вопросы — просто ответьте на это сообщение.\n{agent}",
    "Номер вашего обращения — {number}.\n{agent}, служба поддержки",
)
INTERNAL_GREETINGS = ("{name}, привет!", "Коллеги, добрый день!", "{name}, добрый день!")
INTERNAL_SIGNATURES = ("{agent}", "{agent}, поддержка", "Спасибо!\n{agent}")
# A client's follow-up and the agent's answer to it; None: the scenario's own next step.
FOLLOWUPS: tuple[tuple[str, str | None], ...] = (
    ("Спасибо, жду.", None),
    ("Есть новости по моему вопросу? Очень жду.", None),
    ("Спасибо за быстрый ответ! Всё получилось.",
     "Рады, что всё получилось! Закрываем обращение, а если что-то ещё понадобится — пишите."),
    ("Я правильно понимаю, что от меня больше ничего не нужно?",
     "Да, всё верно: проверили ещё раз, от вас больше ничего не требуется."),
    ("Всё, что вы просили, отправили, проверьте, пожалуйста.",
     "Спасибо, получили. Передали информацию коллегам, ответим сразу, как будет результат."),
    ("Можно как-то ускорить? Очень нужно до выходных.",
     "Мы ускорили обработку, насколько это возможно, и держим вопрос на контроле."),
)
NEXT_STEP = "Держим ваш вопрос на контроле и напишем, как только будут новости."
NOTE_MENTIONS = (
    "@{mention}, посмотри, пожалуйста, это по твоей части.",
    "@{mention}, клиент уже писал раньше, глянь историю.",
    "@{mention}, нужна твоя помощь с этим обращением до конца дня.",
)
INTERNAL_NOTES = (
    "По базе: заказ {order} в системе есть, статус обновился вчера вечером.",
    "Клиент нервничает, отвечаем аккуратно. Обещать сроки пока не можем.",
    "Похоже на повторное обращение, см. предыдущие тикеты клиента.",
    "Клиенту звонили, не дозвонились. Попробуем ещё раз после обеда.",
    "Согласовано с руководителем, можно сделать исключение.",
)
SPAM_SUBJECTS = (
    "Продвижение вашего сайта в ТОП-10 Яндекса",
    "Базы клиентов по всем регионам — скидка 70%",
    "Вы выиграли приз! Заберите до конца недели",
)
SPAM_BODIES = (
    "Добрый день! Выведем ваш сайт в ТОП-10 за 14 дней. Гарантия результата. "
    "Ответьте на это письмо, чтобы получить бесплатный аудит.",
    "Продаём актуальные базы компаний с телефонами и почтой. Только сегодня скидка 70%!",
    "Поздравляем! Ваш адрес выбран победителем розыгрыша. Перейдите по ссылке, чтобы "
    "получить приз.",
)
CALL_PREFIX = "Входящий звонок ({minutes} мин). Клиент рассказал:\n\n"
MANUAL_PREFIX = "Записано со слов клиента:\n\n"
