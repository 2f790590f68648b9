"""The dossier's catalogue: every word and sentence, and the names of built-in things, in Dutch
(the Flemish terms of the project's glossary) and English side by side.

:data:`DOSSIER` maps a key to ``(Dutch, English)``; a sentence names its figures in braces and
is filled in by :func:`webmap.i18n.say`, which escapes every figure. :data:`TERMS` maps a group
(criteria, exclusions, keys, finance assumptions, units, cash-flow lines, mechanisms,
allocations, transforms, forms of cooperation...) to the names it knows. Text from data never
becomes a template: it only ever fills a figure.
"""

from __future__ import annotations

from collections.abc import Mapping

# Words and sentences of the dossier for the mayors' conference, Dutch first (the Flemish terms
# of reference/FACTS.md), then English. A sentence names its figures in braces; the figures are
# escaped when they are filled in (:func:`say`), so that text from data never becomes markup.

DOSSIER: Mapping[str, tuple[str, str]] = {
    # the cover and the page frame
    "report": ("Dossier voor het burgemeestersoverleg", "Dossier for the mayors' conference"),
    "contents": ("Inhoud", "Contents"),
    "page_of": ("Pagina {page} van {pages}", "Page {page} of {pages}"),
    "run_line": (
        "Berekening {run_id} van {date} · parkplan {version}",
        "Run {run_id} of {date} · parkplan {version}",
    ),
    "chapter": ("Hoofdstuk", "Chapter"),
    # 1 the summary
    "summary": ("Samenvatting", "Summary"),
    "recommended_site": ("Aanbevolen locatie", "Recommended site"),
    "summary_site": (
        "{site} met gastgemeente {host} ({area}, score {score}) komt als beste kandidaat-locatie "
        "uit de analyse.",
        "{site}, hosted by {host} ({area}, score {score}), comes out as the best candidate site.",
    ),
    "summary_money": (
        "Wat elke gemeente betaalt en ontvangt onder de gekozen verdeelsleutel ‘{key}’, in netto "
        "contante waarde over {start}–{end} (discontovoet {rate}):",
        "What each municipality pays and receives under the chosen sharing key ‘{key}’, as net "
        "present value over {start}–{end} (discount rate {rate}):",
    ),
    "summary_fairness": ("Is iedereen beter af dan alleen?", "Is everyone better off than alone?"),
    "summary_fairness_intro": (
        "Voor elke verdeling: of geen enkele gemeente en geen enkele groep gemeenten meer betaalt "
        "dan wanneer ze alleen zou gaan (de kern van het coöperatief spel, hoofdstuk 10).",
        "For each allocation: whether no municipality and no group of municipalities pays more "
        "than it would going alone (the core of the cooperative game, chapter 10).",
    ),
    "open_warnings": ("Open waarschuwingen", "Open warnings"),
    "no_warnings": ("Geen waarschuwingen bij deze berekening.", "No warnings in this run."),
    "no_equalisation": (
        "Deze berekening heeft geen verevening: study.toml heeft geen partnergemeenten.",
        "This run has no equalisation: study.toml has no partner municipalities.",
    ),
    # 2 the method
    "method": ("Methode", "Method"),
    "method_tiers": (
        "De zoektocht volgt de drie stappen die intercommunales gebruiken. Eerst sluiten "
        "{exclusions} uitsluitingscriteria de grond uit die nooit in aanmerking komt (hoofdstuk "
        "3). Daarna geven {criteria} geschiktheidscriteria elke cel van {cell} een score van 0 "
        "tot 1: de geschiktheidskaart (hoofdstuk 4). Ten slotte worden de kandidaat-locaties "
        "gezocht, gerangschikt, op robuustheid getoetst en financieel doorgerekend: de "
        "optimalisatie (hoofdstukken 5 tot 10).",
        "The search follows the three tiers intermunicipal companies use. First, {exclusions} "
        "exclusion criteria remove the land that never qualifies (chapter 3). Then {criteria} "
        "suitability criteria give every cell of {cell} a score from 0 to 1: the suitability map "
        "(chapter 4). Finally the candidate sites are found, ranked, tested for robustness and "
        "costed: the optimisation (chapters 5 to 10).",
    ),
    "method_standardise": (
        "Elk criterium meet een ruwe waarde, zoals een afstand in meter, die een "
        "standaardisatiefunctie omzet naar een geschiktheid van 0 (ongeschikt) tot 1 (volledig "
        "geschikt). De gewichten zijn {weighting} en tellen samen op tot 100 %. De score van een "
        "cel is {aggregation}.",
        "Each criterion measures a raw value, such as a distance in metres, which a "
        "standardisation function turns into a suitability from 0 (unsuitable) to 1 (fully "
        "suitable). The weights are {weighting} and add up to 100 %. The score of a cell is "
        "{aggregation}.",
    ),
    "method_sites_regions": (
        "Kandidaat-locaties zijn aaneengesloten gebieden waarvan elke cel minstens {threshold} "
        "scoort, van minstens {min_area}{target}; de {max_sites} beste worden behouden. De score "
        "van een locatie is het gemiddelde van haar cellen, gewogen naar oppervlakte.",
        "Candidate sites are contiguous areas in which every cell scores at least {threshold}, "
        "of at least {min_area}{target}; the best {max_sites} are kept. The score of a site is "
        "the area-weighted mean of its cells.",
    ),
    "method_sites_target": (
        ", elk op maat van {target} (de gebundelde vraag van de partners)",
        ", each sized to {target} (the partners' pooled demand)",
    ),
    "method_sites_layer": (
        "De kandidaat-locaties zijn de polygonen van een opgegeven laag. De score van een locatie "
        "is het gemiddelde van haar cellen, gewogen naar oppervlakte.",
        "The candidate sites are the polygons of a given layer. The score of a site is the "
        "area-weighted mean of its cells.",
    ),
    "method_area_partners": (
        "Het studiegebied is het grondgebied van de {count} partnergemeenten{buffer}. Grond "
        "daarbuiten komt niet in aanmerking, maar voorzieningen over de grens (een station, een "
        "op- en afrit) tellen wel mee voor de afstanden. Een locatie wordt verdeeld over de "
        "gemeenten waarin ze ligt; de gemeente met het grootste deel is de gastgemeente.",
        "The study area is the territory of the {count} partner municipalities{buffer}. Land "
        "outside it does not qualify, but features across the border (a station, a motorway "
        "exit) do count for distances. A site is split over the municipalities it lies in; the "
        "one with the largest part is the host municipality.",
    ),
    "method_area_layer": (
        "Het studiegebied is de polygonen van een opgegeven laag{buffer}. Voorzieningen daarbuiten "
        "tellen mee voor de afstanden. Een locatie wordt verdeeld over de gemeenten waarin ze "
        "ligt; de gemeente met het grootste deel is de gastgemeente.",
        "The study area is the polygons of a given layer{buffer}. Features outside it count for "
        "distances. A site is split over the municipalities it lies in; the one with the largest "
        "part is the host municipality.",
    ),
    "method_area_buffer": (", verruimd met {buffer}", ", widened by {buffer}"),
    "method_finance": (
        "De financiële doorrekening volgt de beste locatie over {years} jaar vanaf {start}: "
        "grondverwerving, bouwrijp maken, infrastructuur, studiekosten, subsidies, verkoop van "
        "percelen, onderhoud openbaar domein, vernieuwing en financieringskosten, met indexering "
        "en een discontovoet van {rate} per jaar (hoofdstuk 8).",
        "The finance follows the best site over {years} years from {start}: land acquisition, "
        "site preparation, infrastructure, studies, subsidies, plot sales, public-domain "
        "maintenance, renewal and financing cost, indexed and discounted at {rate} a year "
        "(chapter 8).",
    ),
    "method_tax": (
        "Op wat er gebouwd wordt, heft elke gemeente haar gemeentelijke opcentiemen op de "
        "onroerende voorheffing (OV) van haar deel van de locatie: het geïndexeerd kadastraal "
        "inkomen (KI) maal het Vlaamse basistarief, en daarop de opcentiemen (coëfficiënten van "
        "aanslagjaar {tax_year}).",
        "On what gets built, each municipality levies its municipal surcharges (opcentiemen) on "
        "the property tax (OV) of its part of the site: the indexed cadastral income (KI) times "
        "the Flemish base rate, and the surcharges on that (coefficients of tax year {tax_year}).",
    ),
    "method_sharing": (
        "De kosten en de opbrengsten worden verdeeld met de verdeelsleutels van hoofdstuk 9. "
        "Mechanismen in deze berekening: {mechanisms}.",
        "The costs and the revenues are shared by the sharing keys of chapter 9. Mechanisms in "
        "this run: {mechanisms}.",
    ),
    "what_if": ("wat-als, vraagt nieuwe wetgeving", "what-if, needs new legislation"),
    "method_game": (
        "Om na te gaan of elke gemeente beter af is dan alleen, wordt de samenwerking behandeld "
        "als een coöperatief spel. De kost c(S) van een groep gemeenten S is {rule}. De "
        "Shapley-waarde, de nucleolus, SCRB en elke verdeelsleutel worden getoetst aan de kern: "
        "geen gemeente en geen groep mag meer betalen dan alleen (hoofdstuk 10).",
        "To check that every municipality is better off than alone, the cooperation is treated "
        "as a cooperative game. The cost c(S) of a group of municipalities S is {rule}. The "
        "Shapley value, the nucleolus, SCRB and every sharing key are checked against the core: "
        "no municipality and no group may pay more than alone (chapter 10).",
    ),
    "game_rule": (
        "de netto ontwikkelingskost (min de netto contante waarde) van een bedrijventerrein op "
        "maat van de gebundelde vraag van S, op de beste kandidaat-locatie die volledig binnen de "
        "gemeenten van S ligt{tax}; {alone}; voor alle partners samen telt de gekozen locatie met "
        "haar eigen oppervlakte; een groep zonder vraag kost 0",
        "the net development cost (minus the net present value) of a park sized to the pooled "
        "demand of S, on the best candidate site lying wholly within the municipalities of S"
        "{tax}; {alone}; for all partners together the chosen site counts at its own area; a "
        "group without demand costs 0",
    ),
    "game_rule_tax": (
        ", min de contante waarde van de gemeentelijke opcentiemen die elk lid tegen zijn eigen "
        "tarief op zijn deel van dat terrein heft",
        ", minus the present value of the municipal surcharges each member levies on its own "
        "part of that park at its own rate",
    ),
    "game_rule_no_park": (
        "zonder zo’n locatie bouwt S geen terrein: c(S) = 0 (S betaalt en int niets)",
        "without such a site, S builds no park: c(S) = 0 (it pays and levies nothing)",
    ),
    "game_rule_hypothetical": (
        "zonder zo’n locatie een hypothetisch terrein van die grootte tegen de algemene aannames",
        "without such a site, a hypothetical park of that size at the general assumptions",
    ),
    # 3 exclusions
    "exclusions": ("Uitsluitingscriteria", "Exclusion criteria"),
    "exclusions_intro": (
        "Uitgesloten grond komt nooit in aanmerking. ‘Alleen’ is de oppervlakte die een criterium "
        "op zich uitsluit; ‘in volgorde’ telt elke hectare één keer, bij het eerste criterium dat "
        "ze uitsluit. Samen sluiten ze {excluded} uit van de {grid} van het rekengebied ({share}).",
        "Excluded land never qualifies. ‘Alone’ is the area a criterion excludes by itself; ‘in "
        "sequence’ counts every hectare once, at the first criterion that excludes it. Together "
        "they exclude {excluded} of the {grid} of the computed area ({share}).",
    ),
    "exclusion": ("Uitsluitingscriterium", "Exclusion criterion"),
    "rule": ("Regel", "Rule"),
    "alone_ha": ("Alleen (ha)", "Alone (ha)"),
    "in_sequence_ha": ("In volgorde (ha)", "In sequence (ha)"),
    "total_excluded": ("Samen uitgesloten", "Excluded in all"),
    "rule_inside": ("binnen de polygonen van", "inside the polygons of"),
    "rule_buffer": (
        "binnen {distance} van de objecten van",
        "within {distance} of the features of",
    ),
    "rule_zoning": (
        "bestemming in kolom {column} niet in {allowed}, laag",
        "zoning in column {column} not in {allowed}, layer",
    ),
    "rule_raster": ("rasterwaarde {op} {value} in", "raster value {op} {value} in"),
    "rule_outside": (
        "buiten het grondgebied van de partners (of de opgegeven laag)",
        "outside the partners' territory (or the given layer)",
    ),
    # 4 criteria
    "criteria": ("Geschiktheidscriteria", "Suitability criteria"),
    "criteria_intro": (
        "Elk criterium met de laag waarop het gemeten wordt, de standaardisatie (de curve toont "
        "de geschiktheid van 0 tot 1 tegenover de ruwe waarde) en het gewicht.",
        "Each criterion with the layer it is measured on, its standardisation (the curve shows "
        "the suitability from 0 to 1 against the raw value) and its weight.",
    ),
    "criterion": ("Criterium", "Criterion"),
    "measured_on": ("Gemeten op", "Measured on"),
    "standardisation": ("Standaardisatie", "Standardisation"),
    "weight": ("Gewicht", "Weight"),
    "weight_given": ("opgegeven {given}", "given {given}"),
    "measure_distance": ("afstand tot de objecten van", "distance to the features of"),
    "measure_raster": ("waarde van het raster", "value of the raster"),
    "measure_zoning": ("bestemming in kolom {column} van", "zoning in column {column} of"),
    "measure_zone_share": (
        "aandeel van {categories} binnen {radius}, laag",
        "share of {categories} within {radius}, layer",
    ),
    "transform_rising": ("{kind}, stijgend van {a} tot {b}", "{kind}, rising from {a} to {b}"),
    "transform_falling": ("{kind}, dalend van {c} tot {d}", "{kind}, falling from {c} to {d}"),
    "transform_both": (
        "{kind}, stijgend van {a} tot {b} en dalend van {c} tot {d}",
        "{kind}, rising from {a} to {b} and falling from {c} to {d}",
    ),
    "transform_points": ("{kind} door {count} punten", "{kind} through {count} points"),
    "transform_categories": ("{kind}: {count} categorieën", "{kind}: {count} categories"),
    "ahp_matrix": ("Paarsgewijze vergelijking (AHP)", "Pairwise comparison (AHP)"),
    "ahp_intro": (
        "Hoeveel belangrijker het criterium van de rij is dan dat van de kolom (schaal van Saaty, "
        "1 tot 9). Consistentieratio CR = {cr} ({verdict}; aanvaardbaar tot 0,10), λmax = {lam}.",
        "How much more important the row's criterion is than the column's (Saaty's scale, 1 to "
        "9). Consistency ratio CR = {cr} ({verdict}; acceptable up to 0.10), λmax = {lam}.",
    ),
    "acceptable": ("aanvaardbaar", "acceptable"),
    "not_acceptable": ("te hoog", "too high"),
    # 5 the overview map
    "overview": ("Overzichtskaart", "Overview map"),
    "overview_caption": (
        "De partnergemeenten (het studiegebied, groen omlijnd), de buurgemeenten in grijs en de "
        "kandidaat-locaties met hun rang.",
        "The partner municipalities (the study area, outlined in green), the neighbouring "
        "municipalities in grey and the candidate sites with their rank.",
    ),
    "ranking": ("Rangschikking van de locaties", "Ranking of the sites"),
    "site": ("Locatie", "Site"),
    "site_n": ("locatie {site}", "site {site}"),
    "Site_n": ("Locatie {site}", "Site {site}"),
    "rank": ("Rang", "Rank"),
    "score": ("Score", "Score"),
    "area": ("Oppervlakte", "Area"),
    "host": ("Gastgemeente", "Host municipality"),
    "p_first": ("Kans op eerste plaats", "Chance of first place"),
    "p_top": ("Kans op top {k}", "Chance of top {k}"),
    # 6 site sheets
    "sheet": ("Fiche {site}", "Sheet {site}"),
    "location": ("Ligging", "Location"),
    "background_missing": (
        "Zonder achtergrondkaart: die kon niet geladen worden (zie de waarschuwingen).",
        "Without the background map: it could not be loaded (see the warnings).",
    ),
    "nearby": ("Uitsluitingen binnen {distance}", "Exclusions within {distance}"),
    "contributions": ("Score als som van gewicht × waarde", "Score as the sum of weight × value"),
    "contributions_other": (
        "Bij {aggregation} is de score geen som; de gewogen waarden staan er ter vergelijking.",
        "With {aggregation} the score is not a sum; the weighted values are shown for comparison.",
    ),
    "value_01": ("Waarde (0–1)", "Value (0–1)"),
    "contribution": ("Bijdrage", "Contribution"),
    "split": ("Verdeling over de gemeenten", "Split by municipality"),
    "municipality": ("Gemeente", "Municipality"),
    "outside_partners": ("buiten de partnergemeenten", "outside the partner municipalities"),
    "share": ("Aandeel", "Share"),
    "robustness": ("Robuustheid", "Robustness"),
    "site_odds": (
        "{site} staat eerst in {p_first} en bij de beste {k} in {p_top} van de {draws} trekkingen.",
        "{site} is first in {p_first} and in the top {k} in {p_top} of the {draws} draws.",
    ),
    "no_robustness": (
        "Er werd geen robuustheidsanalyse gedaan (0 trekkingen).",
        "No robustness analysis was made (0 draws).",
    ),
    "robust_draws": (
        "Bij {draws} trekkingen van {what} ({details}) staat {site} in {p_first} van de gevallen "
        "eerst en in {p_top} bij de beste {k}.",
        "In {draws} draws of {what} ({details}) {site} ranks first in {p_first} and is in the "
        "top {k} in {p_top}.",
    ),
    "robust_details": ("concentratie {concentration}", "concentration {concentration}"),
    "robust_details_jitter": (
        "concentratie {concentration}; spreiding van de standaardisaties {jitter} op {count} "
        "criteria",
        "concentration {concentration}; spread of the standardisations {jitter} on {count} "
        "criteria",
    ),
    "robust_what_weights": (
        "de gewichten rond de opgegeven waarden",
        "the weights around the given ones",
    ),
    "robust_what_both": (
        "de gewichten en de standaardisaties rond de opgegeven waarden",
        "the weights and the standardisations around the given ones",
    ),
    "robust_rival": ("{site} staat eerst in {p}.", "{site} is first in {p}."),
    "robust_high": ("De eerste plaats is robuust.", "The first place is robust."),
    "robust_mid": (
        "De eerste plaats is vrij stabiel, maar andere gewichten kunnen ze veranderen.",
        "The first place is fairly stable, but other weights can change it.",
    ),
    "robust_low": (
        "De eerste plaats is niet stabiel: kleine wijzigingen in de gewichten veranderen ze.",
        "The first place is not stable: modest changes in the weights change it.",
    ),
    "finance_headline": ("Financiën van deze locatie", "Finance of this site"),
    "finance_elsewhere": (
        "De verevening werd doorgerekend voor {site} (hoofdstuk 8).",
        "The equalisation was worked out for {site} (chapter 8).",
    ),
    # 7 sensitivity
    "sensitivity": ("Gevoeligheidsanalyse", "Sensitivity analysis"),
    "tornado_caption": (
        "Per criterium het bereik van het gewicht waarbinnen {site} eerst blijft, als dat ene "
        "gewicht verandert en de andere in verhouding meebewegen. Het streepje is het opgegeven "
        "gewicht; aan de rand staat welke locatie dan de eerste plaats overneemt.",
        "Per criterion the range of its weight within which {site} stays first, when that one "
        "weight changes and the others follow in proportion. The tick is the given weight; at "
        "the edge stands the site that then takes first place.",
    ),
    "sweep_lead": (
        "Eén gewicht tegelijk (de andere in verhouding): {site}",
        "One weight at a time (the others in proportion): {site}",
    ),
    "sweep_steady": (
        " blijft eerst, welk gewicht {criteria} ook krijgt",
        " stays first whatever the weight of {criteria}",
    ),
    "sweep_loses": (
        "{joint} verliest de eerste plaats {changes}",
        "{joint} loses first place {changes}",
    ),
    "sweep_joint": ("; ze", "; it"),
    "sweep_above": (
        "aan {site} als het gewicht van ‘{criterion}’ stijgt tot {at} (opgegeven {given})",
        "to {site} when the weight of ‘{criterion}’ rises to {at} (given {given})",
    ),
    "sweep_below": (
        "aan {site} als het gewicht van ‘{criterion}’ daalt tot {at} (opgegeven {given})",
        "to {site} when the weight of ‘{criterion}’ falls to {at} (given {given})",
    ),
    "and": ("en", "and"),
    "no_sweep": (
        "Er is maar één kandidaat-locatie: er valt niets te vergelijken.",
        "There is only one candidate site: there is nothing to compare.",
    ),
    # 8 finance
    "finance": ("Financiën van {site}", "Finance of {site}"),
    "gross_area": ("Bruto-oppervlakte", "Gross area"),
    "net_area": ("Netto (uitgeefbare) oppervlakte", "Net (sellable) area"),
    "npv": ("Netto contante waarde (NCW)", "Net present value (NPV)"),
    "payback": ("Terugverdienjaar", "Payback year"),
    "no_payback": ("niet binnen de horizon", "not within the horizon"),
    "discount_rate": ("Discontovoet", "Discount rate"),
    "horizon": ("Horizon", "Horizon"),
    "years_span": ("{years} jaar ({start}–{end})", "{years} years ({start}–{end})"),
    "cash_flows": ("Kasstromen per jaar", "Cash flows per year"),
    "cash_flows_caption": (
        "Uitgaven (rood) en inkomsten (groen) van de ontwikkeling per jaar, en het gecumuleerde "
        "saldo (lijn); het terugverdienjaar is het eerste jaar vanaf wanneer dat saldo niet meer "
        "negatief wordt.",
        "Spending (red) and income (green) of the development per year, and the cumulative "
        "balance (line); the payback year is the first year from which that balance stays "
        "non-negative.",
    ),
    "costs": ("Uitgaven", "Spending"),
    "income": ("Inkomsten", "Income"),
    "cumulative": ("Gecumuleerd saldo", "Cumulative balance"),
    "line": ("Post", "Item"),
    "total_over": ("Totaal over {years} jaar", "Total over {years} years"),
    "reconciliation": (
        "Van de NCW van de locatie naar het totaal van de partners",
        "From the site's NPV to the partners' total",
    ),
    "reconciliation_intro": (
        "De partners samen krijgen meer dan de NCW van de ontwikkeling: ook de gemeentelijke "
        "opcentiemen op de onroerende voorheffing komen hen toe. Het totaal is onder elke "
        "verdeelsleutel hetzelfde; een sleutel verdeelt het, maar verandert het niet.",
        "The partners together get more than the NPV of the development: the municipal "
        "surcharges on the property tax come to them too. The total is the same under every "
        "sharing key; a key shares it but does not change it.",
    ),
    "rec_site": ("NCW van de ontwikkeling van de locatie", "NPV of the development of the site"),
    "rec_tax": (
        "+ contante waarde van de gemeentelijke opcentiemen (OV)",
        "+ present value of the municipal surcharges (OV)",
    ),
    "rec_outside": (
        "+ geld van of naar buiten de partners (mechanismen)",
        "+ money from or to outside the partners (mechanisms)",
    ),
    "rec_rounding": ("+ afronding op de cent", "+ rounding to the cent"),
    "rec_total": (
        "= totaal van de partners (netto contante waarde)",
        "= the partners' total (net present value)",
    ),
    # 9 keys
    "sharing_keys": ("Verevening: de verdeelsleutels", "Equalisation: the sharing keys"),
    "keys_intro": (
        "Netto contante waarde per gemeente onder elke verdeelsleutel; de gekozen sleutel staat "
        "eerst. Daarna per sleutel wat elke gemeente betaalt en ontvangt, de overdrachten die de "
        "rekening vereffenen en het netto resultaat per jaar.",
        "Net present value per municipality under each sharing key; the chosen key comes first. "
        "Then, per key, what each municipality pays and receives, the transfers that settle the "
        "account and the net result per year.",
    ),
    "keys_side_by_side": ("Verdeelsleutels naast elkaar", "Sharing keys side by side"),
    "key": ("Verdeelsleutel", "Sharing key"),
    "key_title": ("Verdeelsleutel ‘{key}’", "Sharing key ‘{key}’"),
    "chosen": ("gekozen", "chosen"),
    "key_sides_same": ("Kosten en opbrengsten: {spec}.", "Costs and revenues: {spec}."),
    "key_sides": (
        "Kosten: {costs}. Opbrengsten: {revenues}.",
        "Costs: {costs}. Revenues: {revenues}.",
    ),
    "paid_pv": ("Betaalt (NCW)", "Pays (NPV)"),
    "received_pv": ("Ontvangt (NCW)", "Receives (NPV)"),
    "net_pv": ("Netto (NCW)", "Net (NPV)"),
    "balance_pv": ("Te vereffenen (NCW)", "To settle (NPV)"),
    "total": ("Totaal", "Total"),
    "balance_explained": (
        "Te vereffenen: het verschil met de toestand zonder verevening, waarin elke gemeente "
        "houdt wat op haar eigen grondgebied valt (+ te ontvangen, − te betalen). De overdrachten "
        "hieronder vereffenen dat.",
        "To settle: the difference from the state without equalisation, in which each "
        "municipality keeps what falls on its own territory (+ to receive, − to pay). The "
        "transfers below settle it.",
    ),
    "transfers": ("Overdrachten onder ‘{key}’", "Transfers under ‘{key}’"),
    "no_transfers": ("Geen overdrachten nodig.", "No transfers needed."),
    "payer": ("Betaler", "Payer"),
    "payee": ("Ontvanger", "Payee"),
    "amount": ("Bedrag", "Amount"),
    "net_per_year": (
        "Netto resultaat per jaar en per gemeente onder ‘{key}’",
        "Net result per year and per municipality under ‘{key}’",
    ),
    # 10 alone versus together
    "alone_together": ("Alleen versus samen", "Alone versus together"),
    "alone_together_intro": (
        "Alleen: wat elke gemeente zou overhouden met een eigen bedrijventerrein (de kosten bij "
        "alleen gaan; 0 zonder eigen locatie). Samen: haar netto resultaat in contante waarde "
        "onder elke verdeling. Winst: samen min alleen, onder de gekozen sleutel ‘{key}’.",
        "Alone: what each municipality would be left with from a park of its own (the "
        "stand-alone cost; 0 without a site of its own). Together: its net result in present "
        "value under each allocation. Gain: together minus alone, under the chosen key ‘{key}’.",
    ),
    "alone": ("Alleen", "Alone"),
    "gain": ("Winst", "Gain"),
    "core_check": ("Kerncontrole", "Core check"),
    "allocation": ("Verdeling", "Allocation"),
    "everyone_better": ("Iedereen beter af?", "Everyone better off?"),
    "blocking": ("Coalities die alleen beter af zijn", "Coalitions better off alone"),
    "largest_saving": ("Grootste besparing", "Largest saving"),
    "of_checked": ("{count} van {checked}", "{count} of {checked}"),
    "yes": ("ja", "yes"),
    "no": ("nee", "no"),
    "blocking_list": (
        "Onder {allocation} zouden {count} van de {checked} onderzochte coalities alleen beter "
        "af zijn. De {listed} grootste, met wat ze zouden besparen door alleen te gaan:",
        "Under {allocation}, {count} of the {checked} coalitions checked would be better off "
        "alone. The {listed} largest, with what they would save by going alone:",
    ),
    "nobody_blocks": (
        "Onder {allocation} is geen enkele van de {checked} onderzochte coalities alleen beter af.",
        "Under {allocation}, none of the {checked} coalitions checked is better off alone.",
    ),
    "all_better": (
        "alle {count} gemeenten beter af dan alleen",
        "all {count} municipalities better off than alone",
    ),
    "some_blocking": (
        "{count} van {checked} coalities alleen beter af (tot {saving})",
        "{count} of {checked} coalitions better off alone (up to {saving})",
    ),
    "no_game": (
        "Het coöperatief spel werd niet berekend.",
        "The cooperative game was not computed.",
    ),
    # 11 assumptions
    "assumptions": ("Aannames en bronnen", "Assumptions and sources"),
    "finance_assumptions": ("Financiële aannames", "Finance assumptions"),
    "finance_assumptions_intro": (
        "Waarden die als illustratief gemarkeerd zijn, zijn plausibele grootteordes, geen "
        "bronnen: vervang ze door lokale cijfers in study.toml.",
        "Values marked illustrative are plausible orders of magnitude, not sourced figures: "
        "replace them with local ones in study.toml.",
    ),
    "assumption": ("Aanname", "Assumption"),
    "value": ("Waarde", "Value"),
    "plausible_range": ("Plausibel bereik", "Plausible range"),
    "source": ("Bron", "Source"),
    "meaning": ("Betekenis", "Meaning"),
    "illustrative": ("illustratief", "illustrative"),
    "given_in_study": ("opgegeven in study.toml", "given in study.toml"),
    "range_capped": ("begrensd", "capped"),
    "assumed_facts": ("Aangenomen gegevens van partners", "Assumed facts of partners"),
    "assumed_intro": (
        "Deze gegevens zijn onbekend; de berekening neemt de getoonde waarde aan. De tweede tabel "
        "toont het netto resultaat (NCW) van elke gemeente bij de aangenomen waarde en aan beide "
        "uiteinden van het bereik.",
        "These facts are unknown; the run assumes the value shown. The second table shows each "
        "municipality's net result (NPV) at the assumed value and at both ends of the range.",
    ),
    "fact": ("Gegeven", "Fact"),
    "assumed_value": ("Aangenomen waarde", "Assumed value"),
    "effect_of_range": (
        "Netto resultaat (NCW): aangenomen waarde (laagste – hoogste)",
        "Net result (NPV): assumed value (low – high)",
    ),
    "median_source": (
        "mediaan van de {count} partners waarvan {fact} bekend is",
        "median of the {count} partners whose {fact} is known",
    ),
    "partner_facts": ("Gegevens van de partners", "The partners' facts"),
    "not_known": ("onbekend", "unknown"),
    "sources_of": ("Bronnen", "Sources"),
    "assumed_mark": (
        "* onbekend: de berekening neemt de waarde aan die hierboven staat.",
        "* unknown: the run assumes the value stated above.",
    ),
    "all_partners": ("alle partners", "all partners"),
    "key_in_text": ("verdeelsleutel ‘{key}’", "sharing key ‘{key}’"),
    "layers_provenance": ("Herkomst van de lagen", "Provenance of the layers"),
    "layers_intro": (
        "Elke laag met het bronbestand of de webdienst waaruit ze geladen werd (van een "
        "webdienst ook de bevraging), de SHA-256 van wat geladen werd, wanneer ze geladen werd "
        "en het coördinatenstelsel.",
        "Each layer with the source file or web service it was loaded from (for a web service "
        "also the request), the SHA-256 of what was loaded, when it was loaded and its "
        "coordinate reference system.",
    ),
    "layer": ("Laag", "Layer"),
    "file": ("Bestand", "File"),
    "loaded_at": ("Geladen op", "Loaded at"),
    "service_request": ("Bevraging", "Request"),
    "crs": ("Coördinatenstelsel", "Coordinate system"),
    "run_provenance": ("Herkomst van deze berekening", "Provenance of this run"),
    "run_id": ("Berekening", "Run"),
    "finished_at": ("Berekend op", "Computed at"),
    "version": ("parkplan-versie", "parkplan version"),
    "study_file": ("study.toml (SHA-256)", "study.toml (SHA-256)"),
    # 12 cooperation
    "cooperation": ("Samenwerkingsvorm", "Form of cooperation"),
    "cooperation_intro": (
        "Welke vorm van het Decreet over het lokaal bestuur past bij de antwoorden in study.toml "
        "({answers})? De raad is de lichtste vorm die past: niet zwaarder dan nodig.",
        "Which form of the local government decree fits the answers in study.toml ({answers})? "
        "The advice is the lightest form that fits: not heavier than needed.",
    ),
    "cooperation_recommended": ("Aanbevolen: {form}.", "Recommended: {form}."),
    "cooperation_none": (
        "Geen enkele vorm past bij deze antwoorden.",
        "No form fits these answers.",
    ),
    "form": ("Vorm", "Form"),
    "fits": ("Past", "Fits"),
    "why": ("Waarom", "Why"),
    "recommended": ("aanbevolen", "recommended"),
    "answer_private": ("private partners: {v}", "private partners: {v}"),
    "answer_legal": ("rechtspersoonlijkheid nodig: {v}", "legal personality needed: {v}"),
    "answer_duration": ("duur: {years} jaar", "duration: {years} years"),
    "answer_management": ("beheer overgedragen: {v}", "management handed over: {v}"),
    "answer_levels": (
        "provincie of Vlaanderen neemt deel: {v}",
        "province or Flanders takes part: {v}",
    ),
    # warnings of a run (parkplan.notices), said from their code and figures
    "notice_weights_rescaled": (
        "De gewichten van de criteria tellen op tot {total} in plaats van 1; ze werden herschaald "
        "naar {weights}. Geef gewichten die samen 1 zijn om ze ongewijzigd te gebruiken.",
        "The criterion weights add up to {total}, not 1; they were rescaled to {weights}. Give "
        "weights that add up to 1 to use them as they are.",
    ),
    "notice_sites_beyond_partners": (
        "Kandidaat-locaties reikten buiten het grondgebied van de partners ({sites}) en werden "
        "{action}; alleen partners kunnen een locatie huisvesten (neem de buurgemeente op als "
        "partner om haar grond mee te nemen).",
        "Candidate sites reached beyond the partners' territory ({sites}) and were {action}; "
        "only partners host a site (add the neighbour as a partner to include its land).",
    ),
    "notice_site_by": ("{site} met {area}", "{site} by {area}"),
    "notice_clip": ("bijgesneden", "clipped to it"),
    "notice_drop": ("weggelaten", "dropped"),
    "notice_site_size": (
        "De beste locatie ({site}) is {area}, {size} dan de {need} bruto die de gebundelde vraag "
        "van de partners ({pooled} netto) vraagt (netto-aandeel {net_share}; verhouding "
        "{ratio}). Zet {setting} = {target} zodat de locaties op maat van de vraag zijn.",
        "The best site ({site}) is {area}, {size} than the {need} gross the partners' pooled "
        "demand of {pooled} net needs (net share {net_share}; ratio {ratio}). Set {setting} = "
        "{target} so that the sites are sized to the demand.",
    ),
    "notice_smaller": ("kleiner", "smaller"),
    "notice_larger": ("groter", "larger"),
    "notice_flat_criterion": (
        "Het criterium ‘{criterion}’ varieert nauwelijks over het studiegebied (90 % van zijn "
        "gestandaardiseerde waarden ligt tussen {low} en {high}) maar weegt {weight}: het kan de "
        "locaties niet onderscheiden. Toets de standaardisatie aan de waarden in het gebied, of "
        "laat het criterium weg.",
        "The criterion ‘{criterion}’ hardly varies over the study area (90 % of its standardised "
        "values lie between {low} and {high}) yet weighs {weight}: it cannot tell the sites "
        "apart. Check its standardisation against the values in the area, or drop it.",
    ),
    "notice_partners_without_land": (
        "{partners} hebben geen grond die {threshold} of meer scoort: ze kunnen geen "
        "kandidaat-locatie huisvesten en hebben in het spel geen eigen locatie. Controleer de "
        "uitsluitingen op hun grondgebied, of verlaag {setting}.",
        "{partners} have no land scoring {threshold} or more: they can host no candidate site, "
        "and have no site of their own in the game. Check the exclusions over their territory, "
        "or lower {setting}.",
    ),
    "notice_npv_out_of_proportion": (
        "De netto contante waarde van de locatie, {npv}, staat niet in verhouding tot haar "
        "{area} ({per_ha} per ha). Controleer de grootte van de locatie en {setting}.",
        "The site's net present value of {npv} is out of proportion to its {area} ({per_ha} per "
        "ha). Check the site's size and {setting}.",
    ),
    "notice_hypothetical_grand": (
        "Geen enkele kandidaat-locatie kan de gebundelde vraag van de partners aan, dus prijst "
        "het spel zelfs het gezamenlijke terrein als een hypothetisch terrein tegen de algemene "
        "aannames ({using} van {coalitions} coalities). De kerncontrole steunt op die "
        "hypothetische terreinen; stem de locaties af op de vraag ({setting}).",
        "No candidate site holds the partners' pooled demand, so the game prices even the pooled "
        "park as a hypothetical park at the general assumptions ({using} of {coalitions} "
        "coalitions). The core check rests on those hypothetical parks; size the sites to the "
        "demand ({setting}).",
    ),
    "notice_hypothetical_some": (
        "Het spel prijst de eigen terreinen van sommige coalities als hypothetische terreinen "
        "({using} van {coalitions} coalities). De kerncontrole steunt op die hypothetische "
        "terreinen; stem de locaties af op de vraag ({setting}).",
        "The game prices some coalitions' own parks as hypothetical parks ({using} of "
        "{coalitions} coalitions). The core check rests on those hypothetical parks; size the "
        "sites to the demand ({setting}).",
    ),
    "notice_facts_assumed": (
        "Voor {count} onbekende gegevens werd een waarde aangenomen ({facts}). Het dossier toont "
        "elke aanname en de netto resultaten aan beide uiteinden van haar bereik (hoofdstuk 11); "
        "vul de echte cijfers in bij {setting} om deze waarschuwing weg te nemen.",
        "{count} unknown facts were assumed ({facts}). The dossier shows each assumption and the "
        "net results at both ends of its range (chapter 11); fill in the real figures in "
        "{setting} to remove this warning.",
    ),
    "notice_fact_of": ("{fact} van {partner}", "{fact} of {partner}"),
    "notice_no_partners": (
        "study.toml heeft geen partners ({setting}): deze berekening heeft geen verevening, "
        "grootboek of overdrachten. Voeg de partners toe om te verevenen.",
        "study.toml has no partners ({setting}): this run has no equalisation, ledger or "
        "transfers. Add the partners to equalise.",
    ),
    "notice_basemap_unavailable": (
        "De achtergrondkaart ({service} van {host}) kon niet geladen worden toen dit dossier "
        "gemaakt werd; de kaarten van het dossier tonen ze niet. Controleer {setting} en de "
        "internetverbinding, en maak het dossier opnieuw.",
        "The background map ({service} of {host}) could not be loaded when this dossier was "
        "made; the dossier's maps lack it. Check {setting} and the network connection, and "
        "make the dossier again.",
    ),
    "notice_untranslated": (
        "Waarschuwing van een oudere berekening, in het Engels: {text}",
        "Warning of an older run: {text}",
    ),
    # the reasons of the cooperation-form advice (equalisation.advisor), recognised and said again
    "reason_not_fit": ("past niet: {reason}", "does not fit: {reason}"),
    "reason_private_sector": (
        "private partners kunnen lid zijn in de sector {sector}",
        "private partners can be members in the {sector} sector",
    ),
    "reason_private_any": ("private partners kunnen deelnemen", "private partners can take part"),
    "reason_levels_ok": (
        "de provincie of Vlaanderen kan deelnemen",
        "the province or Flanders can take part",
    ),
    "reason_legal_acts": (
        "als rechtspersoon kan ze zelf {acts}",
        "as a legal person it can {acts} itself",
    ),
    "reason_contributions": (
        "neemt het kapitaal of de grond op die de partners inbrengen, zoals haar regels bepalen",
        "takes in the capital or land the partners bring, as its rules set",
    ),
    "reason_agreed": (
        "loopt zolang de partners overeenkomen ({years} jaar)",
        "lasts as long as the partners agree ({years} years)",
    ),
    "reason_term": (
        "opgericht voor {years} jaar (hoogstens {term})",
        "set up for {years} years (at most {term})",
    ),
    "reason_renewed": (
        "opgericht voor hoogstens {term} jaar en hernieuwd: {terms} termijnen van hoogstens "
        "{term} jaar dekken {years} jaar; elke hernieuwing vraagt een beslissing van de partners",
        "set up for at most {term} years and renewed: {terms} terms of at most {term} years "
        "cover {years} years; every renewal needs the partners' decisions",
    ),
    "reason_heavier": (
        "zwaarder dan nodig: de {form} past al",
        "heavier than needed: the {form} already fits",
    ),
    "reason_count": (
        "elke vorm verenigt twee of meer gemeenten; er neemt er {count} deel",
        "every form joins two or more municipalities; {count} takes part",
    ),
    "reason_public_only": (
        "er nemen private partners deel, maar de {form} staat alleen open voor publieke partners",
        "private partners take part, but the {form} is open to public partners only",
    ),
    "reason_municipal_only": (
        "er nemen private partners deel, maar de {form} staat alleen open voor de gemeenten",
        "private partners take part, but the {form} is open to the municipalities only",
    ),
    "reason_sector": (
        "de {form} is alleen publiek: private partners kunnen alleen lid zijn in de sectoren "
        "energie en afval, en {said}",
        "the {form} is public only: private partners can be members only in the energy and "
        "waste sectors, and {said}",
    ),
    "reason_sector_unknown": (
        "de sector is niet opgegeven (energie, afval of andere?)",
        "the sector is not given (energy, waste or other?)",
    ),
    "reason_sector_given": ("hier is de sector ‘{sector}’", "here the sector is '{sector}'"),
    "reason_no_levels": (
        "de provincie en Vlaanderen kunnen geen lid zijn van een vorm met rechtspersoonlijkheid",
        "the province and Flanders cannot be members of a form with legal personality",
    ),
    "reason_municipalities_bound": (
        "de {form} bindt alleen de gemeenten; de provincie of Vlaanderen kan geen partij zijn",
        "the {form} binds the municipalities only; the province or Flanders cannot be party",
    ),
    "reason_needs_legal": (
        "rechtspersoonlijkheid is nodig, en de {form} heeft die niet",
        "legal personality is needed, and the {form} has none",
    ),
    "reason_cannot_act": (
        "de samenwerking moet zelf {acts}; zonder rechtspersoonlijkheid kan de {form} dat niet: "
        "{through}",
        "the cooperation itself must {acts}; without legal personality the {form} cannot: "
        "{through}",
    ),
    "reason_no_assets": (
        "de partners brengen kapitaal of grond in, en de {form} heeft geen gemeenschappelijk "
        "vermogen om dat op te nemen (verdeel dan kosten en opbrengsten per sleutel)",
        "the partners bring capital or land, and the {form} has no common assets to take it in "
        "(share costs and revenues by key instead)",
    ),
    "reason_no_transfer": (
        "de gemeenten dragen het beheer over, wat de {form} niet overneemt; alleen een "
        "opdrachthoudende vereniging doet dat",
        "the municipalities hand over the management, which the {form} does not take over; only "
        "a mandated association does",
    ),
    "reason_takes_over": (
        "de {form} neemt het beheer over van de gemeenten, die het niet overdragen",
        "the {form} takes over the management from the municipalities, which they do not hand over",
    ),
    # ledger.xlsx
    "xlsx_summary": ("Samenvatting", "Summary"),
    "xlsx_title": (
        "Grootboek van de verevening van locatie {site}",
        "Ledger of the equalisation of site {site}",
    ),
    "xlsx_note": (
        "Bedragen in euro. Het getalformaat volgt de landinstellingen van Excel "
        "(in het Nederlands van België: 1.234.567,89).",
        "Amounts in euros. The number format follows Excel's regional settings "
        "(in Belgian Dutch: 1.234.567,89).",
    ),
    "xlsx_year": ("Jaar", "Year"),
    "xlsx_paid": ("Betaald (EUR)", "Paid (EUR)"),
    "xlsx_received": ("Ontvangen (EUR)", "Received (EUR)"),
    "xlsx_net": ("Netto (EUR)", "Net (EUR)"),
    "xlsx_net_pv": ("Netto contante waarde (EUR)", "Net present value (EUR)"),
    "xlsx_explanation": ("Uitleg (formule en invoer)", "Explanation (formula and inputs)"),
    "xlsx_assumed": ("Aangenomen gegevens", "Assumed facts"),
    "xlsx_key": ("Verdeelsleutel", "Sharing key"),
    "xlsx_partner": ("Gemeente", "Municipality"),
    "xlsx_total": ("Totaal", "Total"),
    "xlsx_run": ("Berekening", "Run"),
}

#: The names of built-in things (kinds, options, the demo's and the examples' names), by group.
TERMS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "criterion": {
        "motorway": ("Nabijheid van een op- en afrit", "Near a motorway exit"),
        "rail": ("Nabijheid van een station", "Near a railway station"),
        "station": ("Nabijheid van een station", "Near a railway station"),
        "quay": ("Nabijheid van een kaai", "Near a quay"),
        "housing": ("Afstand tot de woonkernen", "Away from residential cores"),
        "cluster": (
            "Nabijheid van een bestaand bedrijventerrein",
            "Near an existing business park",
        ),
        "flat": ("Vlak terrein", "Flat land"),
        "slope": ("Vlak terrein", "Flat land"),
        "road": ("Nabijheid van een weg", "Near a road"),
        "grid": ("Nabijheid van het hoogspanningsnet", "Near the high-voltage grid"),
        "nature_distance": ("Afstand tot habitatrichtlijngebied", "Away from Natura 2000 habitats"),
        "coast_distance": ("Afstand tot de kuststrook", "Away from the coastal strip"),
    },
    "exclusion": {
        "outside_study_area": (
            "buiten het studiegebied (de partnergemeenten)",
            "outside the study area (the partner municipalities)",
        ),
        "nature": ("Natuurgebied", "Protected nature"),
        "flood": ("Overstromingsgevoelig gebied", "Flood-prone area"),
        "existing_parks": ("Bestaande bedrijventerreinen", "Existing business parks"),
        "housing_buffer": ("Buffer rond de woonkernen", "Buffer around residential cores"),
        "zoning": ("Bestemming (gewestplan)", "Zoning plan"),
        "steep": ("Te steil", "Too steep"),
        "natura2000_habitats": ("Habitatrichtlijngebied (SBZ-H)", "Natura 2000 habitats (SBZ-H)"),
        "natura2000_birds": ("Vogelrichtlijngebied (SBZ-V)", "Natura 2000 birds area (SBZ-V)"),
        "coastal_strip": ("Kuststrook", "Coastal strip"),
    },
    "key": {
        "population": ("Inwonertal", "Population"),
        "demand": ("Vraag naar bedrijfsgrond", "Demand for business land"),
        "host_first": ("Gastgemeente eerst", "Host first"),
        "equal": ("Gelijke delen", "Equal shares"),
        "land": ("Ingebrachte grond", "Land contributed"),
        "capital": ("Ingebracht kapitaal", "Capital contributed"),
        "fiscal_capacity": ("Fiscale capaciteit", "Fiscal capacity"),
    },
    "key_kind": {
        "equal": ("in gelijke delen", "in equal parts"),
        "population": ("naar inwonertal", "by population"),
        "land": ("naar ingebrachte grond", "by land contributed"),
        "demand": ("naar vraag naar bedrijfsgrond", "by demand for business land"),
        "capital": ("naar ingebracht kapitaal", "by capital contributed"),
        "fiscal_capacity": ("naar fiscale capaciteit", "by fiscal capacity"),
        "custom": ("in opgegeven aandelen ({shares})", "in given shares ({shares})"),
        "stacked": (
            "eerst {host} voor de gastgemeente, de rest {rest}",
            "first {host} to the host municipality, the rest {rest}",
        ),
        "part": ("{weight} {kind}", "{weight} {kind}"),
    },
    "fact": {
        "population": ("inwoners", "population"),
        "demand_ha": ("vraag naar bedrijfsgrond (ha netto)", "demand for business land (ha net)"),
        "municipal_opcentiemen": (
            "gemeentelijke opcentiemen",
            "municipal surcharges (opcentiemen)",
        ),
        "capital_eur": ("ingebracht kapitaal (€)", "capital brought in (€)"),
        "fiscal_capacity_eur": ("fiscale capaciteit (€)", "fiscal capacity (€)"),
    },
    "assumption": {
        "net_share": ("Netto-aandeel (uitgeefbaar)", "Net (sellable) share"),
        "land_price_eur_per_m2": ("Grondprijs", "Land price"),
        "preparation_eur_per_m2_gross": ("Bouwrijp maken", "Site preparation"),
        "infrastructure_eur_per_m2_net": ("Infrastructuur", "Infrastructure"),
        "access_works_eur": ("Ontsluitingswerken", "Access works"),
        "studies_eur": ("Studiekosten", "Studies"),
        "financing_rate_per_year": ("Financieringsrente", "Financing rate"),
        "subsidy_share_of_public_works": ("Subsidie op openbare werken", "Subsidy on public works"),
        "subsidy_share_of_studies": ("Subsidie op studies", "Subsidy on studies"),
        "subsidy_cap_studies_eur": (
            "Plafond van de subsidie op studies",
            "Cap of the studies subsidy",
        ),
        "sale_price_eur_per_m2_net": ("Verkoopprijs", "Sale price"),
        "take_up_model": ("Uitgiftemodel", "Take-up model"),
        "sell_out_years": ("Verkoopperiode", "Sell-out period"),
        "take_up_ha_net_per_year": ("Uitgifte per jaar", "Take-up per year"),
        "built_share": ("Bebouwd aandeel", "Built share"),
        "ki_eur_per_m2_built": ("Kadastraal inkomen (KI)", "Cadastral income (KI)"),
        "maintenance_eur_per_ha_gross_per_year": (
            "Onderhoud openbaar domein",
            "Public-domain maintenance",
        ),
        "asset_lifespan_years": (
            "Levensduur van wegen en riolering",
            "Lifespan of roads and sewers",
        ),
        "renewal_share": ("Vernieuwing", "Renewal"),
        "indexation_per_year": ("Indexering", "Indexation"),
        "discount_rate_per_year": ("Discontovoet", "Discount rate"),
        "role": ("Rol van de gemeenten", "Role of the municipalities"),
        "plant_equipment_share_of_ki": (
            "Aandeel materieel en outillage",
            "Plant and equipment share",
        ),
        "plant_equipment_exempt_share": (
            "Vrijgesteld materieel en outillage",
            "Exempt plant and equipment",
        ),
    },
    "assumption_meaning": {
        "net_share": (
            "uitgeefbaar deel van de bruto-oppervlakte; wegen, groenbuffers en water nemen de rest",
            "sellable share of the gross area; roads, green buffers and water take the rest",
        ),
        "land_price_eur_per_m2": (
            "grondverwerving van landbouwgrond",
            "acquisition of agricultural land",
        ),
        "preparation_eur_per_m2_gross": (
            "bouwrijp maken: opmetingen, ruimen, nivelleren",
            "site preparation: surveys, clearing, levelling",
        ),
        "infrastructure_eur_per_m2_net": (
            "wegen, riolering, nutsvoorzieningen, waterbuffering",
            "roads, sewers, utilities, water buffering",
        ),
        "access_works_eur": (
            "vaste werken die het terrein op het wegennet aansluiten, ongeacht de grootte",
            "fixed works connecting the park to the road network, whatever its size",
        ),
        "studies_eur": (
            "voorbereidende studies (planning, milieueffecten, ontwerp)",
            "preparatory studies (planning, environmental impact, design)",
        ),
        "financing_rate_per_year": (
            "rente op het negatieve kassaldo",
            "interest on the negative cash balance",
        ),
        "subsidy_share_of_public_works": (
            "Vlaamse subsidie voor bedrijventerreinen op infrastructuur en ontsluitingswerken",
            "Flemish business-park subsidy on infrastructure and access works",
        ),
        "subsidy_share_of_studies": (
            "subsidie op de voorbereidende studies",
            "subsidy on preparatory studies",
        ),
        "subsidy_cap_studies_eur": (
            "plafond van de subsidie op studies",
            "cap of the studies subsidy",
        ),
        "sale_price_eur_per_m2_net": (
            "verkoopprijs van bouwrijpe percelen",
            "sale price of serviced plots",
        ),
        "take_up_model": (
            "proportioneel: elk terrein verkoopt zijn netto-oppervlakte in de verkoopperiode; "
            "vast: een vaste uitgifte per jaar, ongeacht de grootte van het terrein",
            "proportional: every park sells its net area in the sell-out period; fixed: a fixed "
            "take-up per year, whatever the park's size",
        ),
        "sell_out_years": (
            "jaren die een terrein nodig heeft om al zijn percelen te verkopen (proportionele "
            "uitgifte)",
            "years a park takes to sell all its plots (proportional take-up)",
        ),
        "take_up_ha_net_per_year": (
            "verkochte percelen per jaar (vaste uitgifte)",
            "plots sold per year (fixed take-up)",
        ),
        "built_share": ("bebouwd deel van een perceel", "built share of a plot"),
        "ki_eur_per_m2_built": (
            "kadastraal inkomen van bedrijfsgebouwen",
            "cadastral income of industrial buildings",
        ),
        "maintenance_eur_per_ha_gross_per_year": (
            "onderhoud van het openbaar domein",
            "upkeep of the public domain",
        ),
        "asset_lifespan_years": (
            "jaren tot wegen en riolering vernieuwd worden",
            "years before roads and sewers are renewed",
        ),
        "renewal_share": (
            "deel van de oorspronkelijke kosten van de werken, bij elke vernieuwing",
            "share of the original works cost spent at each renewal",
        ),
        "indexation_per_year": (
            "algemene prijsindexering van elk bedrag",
            "general price indexation of every amount",
        ),
        "discount_rate_per_year": (
            "rentevoet van de contante waarden",
            "rate of the present values",
        ),
        "role": (
            "ontwikkelaar: de partners kopen, ontwikkelen en verkopen; regisseur: een derde "
            "doet dat",
            "developer: the partners buy, develop and sell; director: a third party does",
        ),
        "plant_equipment_share_of_ki": (
            "deel van het gebouwde KI dat materieel en outillage is (verlaagd OV-tarief)",
            "share of the built KI that is plant and equipment (reduced OV rate)",
        ),
        "plant_equipment_exempt_share": (
            "deel van het KI van materieel en outillage dat vrijgesteld is van OV (nieuw "
            "materieel)",
            "share of the plant and equipment KI exempt from OV (new equipment)",
        ),
    },
    "unit": {
        "share": ("aandeel", "share"),
        "EUR/m² gross": ("€/m² bruto", "€/m² gross"),
        "EUR/m² net": ("€/m² netto", "€/m² net"),
        "EUR": ("€", "€"),
        "per year": ("per jaar", "per year"),
        "choice": ("keuze", "choice"),
        "years": ("jaar", "years"),
        "ha net/year": ("ha netto per jaar", "ha net per year"),
        "EUR KI/m² built/year": ("€ KI per m² bebouwd per jaar", "€ KI per m² built per year"),
        "EUR/ha gross/year": ("€ per ha bruto per jaar", "€ per ha gross per year"),
    },
    "choice": {
        "proportional": ("proportioneel", "proportional"),
        "fixed": ("vast", "fixed"),
        "developer": ("ontwikkelaar", "developer"),
        "director": ("regisseur", "director"),
    },
    "cash_line": {
        "studies": ("Studiekosten", "Studies"),
        "studies_subsidy": ("Subsidie op studies", "Subsidy on studies"),
        "land": ("Grondverwerving", "Land acquisition"),
        "preparation": ("Bouwrijp maken", "Site preparation"),
        "works": ("Infrastructuur en ontsluiting", "Infrastructure and access"),
        "works_subsidy": ("Subsidie op de werken", "Subsidy on the works"),
        "sales": ("Verkoop van percelen", "Plot sales"),
        "maintenance": ("Onderhoud openbaar domein", "Public-domain maintenance"),
        "renewal": ("Vernieuwing", "Renewal"),
        "financing": ("Financieringskosten", "Financing cost"),
    },
    "mechanism": {
        "cost_and_revenue_sharing": (
            "verdeling van kosten en opbrengsten per verdeelsleutel",
            "sharing of costs and revenues by key",
        ),
        "own_property_tax": (
            "elke gemeente int de opcentiemen op haar deel",
            "each municipality collects the surcharges on its part",
        ),
        "sub_regional_fund": (
            "subregionaal fonds (een deel van de opcentiemen, uitbetaald per sleutel)",
            "sub-regional fund (a share of the surcharges, paid out by key)",
        ),
        "host_compensation": ("compensatie voor de gastgemeente", "host compensation"),
        "local_park_compensation": (
            "compensatie voor wie een eigen lokaal terrein opgeeft",
            "compensation for giving up a local park",
        ),
        "in_kind_contributions": (
            "inbreng in natura (grond, personeel)",
            "contributions in kind (land, staff)",
        ),
        "foregone_surcharge": (
            "compensatie voor gederfde opcentiemen",
            "compensation for foregone surcharges",
        ),
        "municipal_fund_clawback": (
            "terugname via het Gemeentefonds (huidig recht)",
            "clawback by the municipal fund (current law)",
        ),
        "municipal_fund": (
            "herverdeling via het Gemeentefonds",
            "redistribution by the municipal fund",
        ),
        "development_rights": ("verhandelbare ontwikkelingsrechten", "tradable development rights"),
        "planning_benefit_fund": ("fonds voor planbaten", "planning benefit fund"),
        "planning_damage_fund": ("fonds voor planschade", "planning damage fund"),
        "intermunicipal_tax": (
            "gemeenschappelijke opcentiemen op het terrein",
            "a common surcharge on the park",
        ),
        "flemish_matching_fund": ("Vlaams matchingfonds", "Flemish matching fund"),
    },
    "allocation_short": {
        "shapley": ("Shapley", "Shapley"),
        "nucleolus": ("Nucleolus", "Nucleolus"),
        "prenucleolus": ("Prenucleolus", "Prenucleolus"),
        "scrb": ("SCRB", "SCRB"),
        "proportional": ("Proportioneel", "Proportional"),
    },
    "allocation_in_text": {
        "shapley": ("de Shapley-waarde", "the Shapley value"),
        "nucleolus": ("de nucleolus", "the nucleolus"),
        "prenucleolus": ("de prenucleolus", "the prenucleolus"),
        "scrb": ("SCRB", "SCRB"),
        "proportional": ("de proportionele verdeling", "the proportional allocation"),
    },
    "allocation": {
        "shapley": ("Shapley-waarde", "Shapley value"),
        "nucleolus": ("Nucleolus", "Nucleolus"),
        "prenucleolus": ("Prenucleolus", "Prenucleolus"),
        "scrb": (
            "SCRB (scheidbare kosten, resterende baten)",
            "SCRB (separable costs, remaining benefits)",
        ),
        "proportional": (
            "Proportioneel (naar de kosten bij alleen gaan)",
            "Proportional (to the stand-alone costs)",
        ),
    },
    "transform": {
        "linear": ("lineair", "linear"),
        "sigmoid": ("sigmoïde (cos²)", "sigmoid (cos²)"),
        "j_shaped": ("J-vormig", "J-shaped"),
        "gaussian": ("gaussisch", "Gaussian"),
        "piecewise": ("stuksgewijs lineair", "piecewise linear"),
        "categorical": ("per categorie", "by category"),
    },
    "weight_method": {
        "direct": ("rechtstreeks opgegeven", "given directly"),
        "rank_sum": ("afgeleid uit de rangorde (rangsom)", "derived from the ranking (rank sum)"),
        "rank_reciprocal": (
            "afgeleid uit de rangorde (omgekeerde rang)",
            "derived from the ranking (rank reciprocal)",
        ),
        "rank_order_centroid": (
            "afgeleid uit de rangorde (rangorde-zwaartepunt)",
            "derived from the ranking (rank-order centroid)",
        ),
        "ahp": (
            "afgeleid uit paarsgewijze vergelijkingen (AHP, zie de matrix hieronder)",
            "derived from pairwise comparisons (AHP, see the matrix below)",
        ),
    },
    "aggregation": {
        "wlc": (
            "de gewogen som van haar gestandaardiseerde waarden (gewogen lineaire combinatie)",
            "the weighted sum of its standardised values (weighted linear combination)",
        ),
        "wgm": (
            "het gewogen meetkundig gemiddelde van haar gestandaardiseerde waarden",
            "the weighted geometric mean of its standardised values",
        ),
        "min": (
            "de laagste van haar gestandaardiseerde waarden",
            "the lowest of its standardised values",
        ),
        "owa": (
            "een geordend gewogen gemiddelde van haar gestandaardiseerde waarden (OWA)",
            "an ordered weighted average of its standardised values (OWA)",
        ),
    },
    "form": {
        "cooperation agreement": ("samenwerkingsovereenkomst", "cooperation agreement"),
        "interlocal association": ("interlokale vereniging", "interlocal association"),
        "project association": ("projectvereniging", "project association"),
        "service-providing association": (
            "dienstverlenende vereniging",
            "service-providing association",
        ),
        "mandated association": ("opdrachthoudende vereniging", "mandated association"),
    },
    "form_summary": {
        "cooperation agreement": (
            "een overeenkomst tussen de gemeenten (art. 387 van het decreet), de lichtste vorm",
            "a contract between the municipalities (art. 387 of the decree), the lightest form",
        ),
        "interlocal association": (
            "een overeenkomst met decretale kracht, zonder rechtspersoonlijkheid",
            "an agreement with statutory force, without legal personality",
        ),
        "project association": (
            "statuten en rechtspersoonlijkheid, voor één project",
            "statutes and legal personality, for one project",
        ),
        "service-providing association": (
            "statuten en rechtspersoonlijkheid; verleent diensten, neemt het beheer niet over",
            "statutes and legal personality; provides services, does not take over management",
        ),
        "mandated association": (
            "statuten en rechtspersoonlijkheid; neemt het beheer over van de gemeenten",
            "statutes and legal personality; takes over the management from the municipalities",
        ),
    },
    "sector": {
        "energy": ("energie", "energy"),
        "waste": ("afval", "waste"),
        "other": ("andere", "other"),
    },
    "act": {
        "own land": ("grond bezitten", "own land"),
        "hire staff": ("personeel aanwerven", "hire staff"),
        "award contracts": ("opdrachten gunnen", "award contracts"),
    },
    "acts_through": {
        "each municipality does that for itself": (
            "elke gemeente doet dat voor zichzelf",
            "each municipality does that for itself",
        ),
        "the managing municipality (beherende gemeente) does that on its behalf; answer no if "
        "that is acceptable": (
            "de beherende gemeente doet dat in haar naam; antwoord nee als dat aanvaardbaar is",
            "the managing municipality does that on its behalf; answer no if that is acceptable",
        ),
    },
    "month": {
        "1": ("januari", "January"),
        "2": ("februari", "February"),
        "3": ("maart", "March"),
        "4": ("april", "April"),
        "5": ("mei", "May"),
        "6": ("juni", "June"),
        "7": ("juli", "July"),
        "8": ("augustus", "August"),
        "9": ("september", "September"),
        "10": ("oktober", "October"),
        "11": ("november", "November"),
        "12": ("december", "December"),
    },
    "criterion_kind": {
        "distance": ("Afstand tot {layer}", "Distance to {layer}"),
        "raster": ("Waarde van {layer}", "Value of {layer}"),
        "zoning": ("Bestemming volgens {layer}", "Zoning of {layer}"),
        "zone_share": ("Aandeel zone volgens {layer}", "Zone share of {layer}"),
    },
    "exclusion_kind": {
        "inside": ("Binnen {layer}", "Inside {layer}"),
        "buffer": ("Buffer rond {layer}", "Buffer around {layer}"),
        "zoning": ("Bestemming volgens {layer}", "Zoning of {layer}"),
        "raster": ("Rasterwaarde van {layer}", "Raster value of {layer}"),
    },
}
