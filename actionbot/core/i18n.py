"""Reminder texts in the nodes' languages.

A table: language → message key → template. Unknown languages fall back to English.
Templates get: ``title``, ``when`` (local wall time and zone), ``countdown`` (a
duration, wrapped in the language's "in …"),
``duration``, ``id``, ``late`` (the localised late mark or empty).
"""

from __future__ import annotations

from collections.abc import Mapping

FALLBACK = "en"

MESSAGES: Mapping[str, Mapping[str, str]] = {
    "en": {
        "in": "in {x}",
        "before": "⏰ Reminder{late}: “{title}” starts {countdown}, at {when} (window {id}, {duration}).",
        "start": "🟢 Now{late}: “{title}” starts — {duration}, together with every node (window {id}).",
        "end": "🔴 “{title}” has ended{late}. Thank you. Take time to rest and talk it through; share photo reports when you are ready.",
        "late": " (late)",
    },
    "es": {
        "in": "en {x}",
        "before": "⏰ Recordatorio{late}: «{title}» empieza {countdown}, a las {when} (ventana {id}, {duration}).",
        "start": "🟢 Ahora{late}: empieza «{title}» — {duration}, junto con todos los nodos (ventana {id}).",
        "end": "🔴 «{title}» ha terminado{late}. Gracias. Tomad tiempo para descansar y conversar; compartid fotos cuando estéis listas.",
        "late": " (con retraso)",
    },
    "fr": {
        "in": "dans {x}",
        "before": "⏰ Rappel{late} : « {title} » commence {countdown}, à {when} (fenêtre {id}, {duration}).",
        "start": "🟢 Maintenant{late} : « {title} » commence — {duration}, avec tous les nœuds (fenêtre {id}).",
        "end": "🔴 « {title} » est terminé{late}. Merci. Prenez le temps de vous reposer et d’en parler ; partagez les photos quand vous serez prêt·es.",
        "late": " (en retard)",
    },
    "de": {
        "in": "in {x}",
        "before": "⏰ Erinnerung{late}: „{title}“ beginnt {countdown}, um {when} (Fenster {id}, {duration}).",
        "start": "🟢 Jetzt{late}: „{title}“ beginnt — {duration}, gemeinsam mit allen Knoten (Fenster {id}).",
        "end": "🔴 „{title}“ ist vorbei{late}. Danke. Nehmt euch Zeit zum Ausruhen und Reden; teilt Fotos, wenn ihr so weit seid.",
        "late": " (verspätet)",
    },
    "pt": {
        "in": "em {x}",
        "before": "⏰ Lembrete{late}: «{title}» começa {countdown}, às {when} (janela {id}, {duration}).",
        "start": "🟢 Agora{late}: começa «{title}» — {duration}, junto com todos os nós (janela {id}).",
        "end": "🔴 «{title}» terminou{late}. Obrigado. Tirem tempo para descansar e conversar; partilhem fotos quando estiverem prontas.",
        "late": " (atrasado)",
    },
    "uk": {
        "in": "через {x}",
        "before": "⏰ Нагадування{late}: «{title}» починається {countdown}, о {when} (вікно {id}, {duration}).",
        "start": "🟢 Зараз{late}: починається «{title}» — {duration}, разом з усіма вузлами (вікно {id}).",
        "end": "🔴 «{title}» завершено{late}. Дякуємо. Знайдіть час відпочити й поговорити; діліться фото, коли будете готові.",
        "late": " (із запізненням)",
    },
    "ru": {
        "in": "через {x}",
        "before": "⏰ Напоминание{late}: «{title}» начинается {countdown}, в {when} (окно {id}, {duration}).",
        "start": "🟢 Сейчас{late}: начинается «{title}» — {duration}, вместе со всеми узлами (окно {id}).",
        "end": "🔴 «{title}» завершено{late}. Спасибо. Найдите время отдохнуть и поговорить; делитесь фото, когда будете готовы.",
        "late": " (с опозданием)",
    },
}


def message(language: str, key: str, **values: str) -> str:
    primary = language.split("-")[0].lower()
    table = MESSAGES.get(primary, MESSAGES[FALLBACK])
    late = table["late"] if values.pop("is_late", "") else ""
    if "countdown" in values:
        values["countdown"] = table["in"].format(x=values["countdown"])
    return table.get(key, MESSAGES[FALLBACK][key]).format(late=late, **values)
