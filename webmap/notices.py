"""A run's warnings said in the dossier's language from their code and figures
(:mod:`parkplan.notices` records them in ``run.json``): each code has its sentence in
:mod:`webmap.catalogue`; a warning without a code (an older run) is shown as the English
sentence it kept, marked as English.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from markupsafe import Markup

from webmap.formats import Formats
from webmap.i18n import say, verbatim, word
from webmap.prose import Names, joined
from webmap.report_model import RunNotice

#: Settings a warning points to, shown as written in study.toml.
SETTINGS = {
    "site_size": "[sites] target_area_ha",
    "partners_without_land": "[sites] threshold",
    "npv_out_of_proportion": "[finance.assumptions]",
    "hypothetical_parks": "[sites] target_area_ha",
    "facts_assumed": "[[partners]]",
    "no_partners": "[[partners]]",
    "basemap_unavailable": "[basemap]",
}


def notice_sentence(notice: RunNotice, names: Names, fmt: Formats) -> Markup:
    """A run's warning said from its code and figures (an unknown code: the sentence as kept,
    marked as English)."""
    lang = names.lang
    say_it = NOTICES.get(notice.code or "")
    if say_it is None:
        text = Markup('<span lang="en">{}</span>').format(notice.text)
        return say("notice_untranslated", lang, text=text)
    setting = verbatim(SETTINGS.get(notice.code or "", ""))
    return say_it(dict(notice.figures), names, fmt, setting)


def _weights_rescaled(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    shown = joined(
        [f"{names.criterion(n)} {fmt.percent(w)}" for n, w in f["weights"].items()], names.lang
    )
    return say("notice_weights_rescaled", names.lang, total=fmt.trimmed(f["total"]), weights=shown)


def _sites_beyond(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    lang = names.lang
    sites = joined(
        [
            say("notice_site_by", lang, site=names.site(s), area=fmt.hectares(ha))
            for s, ha in f["sites"]
        ],
        lang,
    )
    action = word("notice_drop" if f["action"] == "drop" else "notice_clip", lang)
    return say("notice_sites_beyond_partners", lang, sites=sites, action=action)


def _site_size(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    size = word("notice_smaller" if f["ratio"] < 1 else "notice_larger", names.lang)
    return say(
        "notice_site_size",
        names.lang,
        site=names.site(f["site_id"]),
        area=fmt.hectares(f["area_ha"]),
        size=size,
        need=fmt.hectares(f["need_ha"]),
        pooled=fmt.hectares(f["pooled_net_ha"]),
        net_share=fmt.percent(f["net_share"]),
        ratio=fmt.number(f["ratio"], 2),
        setting=setting,
        target=fmt.number(math.ceil(f["need_ha"] * 10) / 10, 1),
    )


def _flat(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    return say(
        "notice_flat_criterion",
        names.lang,
        criterion=names.criterion(f["criterion"]),
        low=fmt.number(f["low"], 2),
        high=fmt.number(f["high"], 2),
        weight=fmt.percent(f["weight"]),
    )


def _without_land(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    return say(
        "notice_partners_without_land",
        names.lang,
        partners=joined(f["partners"], names.lang),
        threshold=fmt.number(f["threshold"], 2),
        setting=setting,
    )


def _npv(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    return say(
        "notice_npv_out_of_proportion",
        names.lang,
        npv=fmt.euro(f["npv_eur"]),
        area=fmt.hectares(f["area_ha"]),
        per_ha=fmt.euro(f["npv_per_ha_eur"]),
        setting=setting,
    )


def _hypothetical(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    key = "notice_hypothetical_grand" if f["grand"] else "notice_hypothetical_some"
    return say(key, names.lang, using=f["using"], coalitions=f["coalitions"], setting=setting)


def _assumed(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    facts = joined(
        [
            say("notice_fact_of", names.lang, fact=names.fact(fact), partner=partner)
            for partner, fact in f["facts"]
        ],
        names.lang,
    )
    return say("notice_facts_assumed", names.lang, count=f["count"], facts=facts, setting=setting)


def _no_partners(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    return say("notice_no_partners", names.lang, setting=setting)


def _basemap(f: dict, names: Names, fmt: Formats, setting: Markup) -> Markup:
    return say(
        "notice_basemap_unavailable",
        names.lang,
        service=verbatim(f["service"]),
        host=verbatim(f["host"]),
        setting=setting,
    )


NOTICES: Mapping[str, Callable[[dict, Names, Formats, Markup], Markup]] = {
    "weights_rescaled": _weights_rescaled,
    "sites_beyond_partners": _sites_beyond,
    "site_size": _site_size,
    "flat_criterion": _flat,
    "partners_without_land": _without_land,
    "npv_out_of_proportion": _npv,
    "hypothetical_parks": _hypothetical,
    "facts_assumed": _assumed,
    "no_partners": _no_partners,
    "basemap_unavailable": _basemap,
}
