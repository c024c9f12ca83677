"""Build the demo rows of one block of accounts as pandas data frames.

Every draw comes from a NumPy generator seeded with (seed, block number),
so a block's rows depend only on the seed, the block number, the block's
first ids and the options, never on the database or the machine. Columns
are named after the database columns; fields left out get their model
default when the rows are written.

A latent fit per account, built from the firmographics (see `fit_score`)
plus noise, drives how many opportunities, events and intent signals an
account gets and how often its deals are won, so ICP tiers built on those
firmographics predict outcomes.
"""

import json
import time
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..models import Account, Contact, EngagementEvent, IntentSignal, Opportunity, OwnershipType
from ..models.choices import EMPLOYEE_BAND_BOUNDS, OpportunityStatus, OpportunityType
from . import vocabulary as vocab

# Bump when a change to the generator changes the rows for a seed, so
# stored data sets made by an older version are regenerated.
DEMO_DATA_VERSION = 1
# Accounts per block: the unit of seeding, generation and writing. Changing
# it changes the rows generated for a seed.
BLOCK_SIZE = 10_000
SOURCE = "demo"
WINDOW_DAYS = 180
OPPORTUNITY_HISTORY_DAYS = 3 * 365
CONTACTS_PER_ACCOUNT = np.array([2, 3, 4, 5, 6])
CONTACTS_PER_ACCOUNT_WEIGHTS = np.array([0.40, 0.30, 0.17, 0.09, 0.04])
# About the median latent fit. At this fit a new-business deal is won about
# one time in seven, an expansion one time in three and a renewal three
# times in four. A higher fit wins more often.
FIT_CENTRE = 0.75
NAME_SPACE = len(vocab.NAME_FIRST_PARTS) * len(vocab.NAME_SECOND_PARTS) * vocab.NAME_WORDS_PER_INDUSTRY


def _weights(values):
    array = np.asarray(values, dtype=float)
    return array / array.sum()


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _domain_part(text):
    return "".join(character for character in text.lower() if character.isascii() and character.isalnum())


def _email_part(text):
    return _domain_part(text) or "contact"


INDUSTRY_NAMES = np.array(list(vocab.INDUSTRIES), dtype=object)
INDUSTRY_WEIGHTS = _weights([spec[0] for spec in vocab.INDUSTRIES.values()])
INDUSTRY_REVENUE_PER_EMPLOYEE = np.array([spec[1] for spec in vocab.INDUSTRIES.values()], dtype=float)
INDUSTRY_MEDIAN_HEADCOUNT = np.array([spec[2] for spec in vocab.INDUSTRIES.values()], dtype=float)
INDUSTRY_FIT = {name: spec[3] for name, spec in vocab.INDUSTRIES.items()}
INDUSTRY_WORDS = np.array([vocab.INDUSTRY_NAME_WORDS[name] for name in vocab.INDUSTRIES], dtype=object)
INDUSTRY_DOMAIN_WORDS = np.vectorize(_domain_part, otypes=[object])(INDUSTRY_WORDS)
NO_LEGAL_SUFFIX = {"Government", "Nonprofit", "Education"}
INDUSTRY_TAKES_SUFFIX = np.array([name not in NO_LEGAL_SUFFIX for name in vocab.INDUSTRIES])

LOCATION_COUNTRY = np.array([row[0] for row in vocab.LOCATIONS], dtype=object)
LOCATION_REGION = np.array([row[1] for row in vocab.LOCATIONS], dtype=object)
LOCATION_STATE = np.array([row[2] for row in vocab.LOCATIONS], dtype=object)
LOCATION_CITY = np.array([row[3] for row in vocab.LOCATIONS], dtype=object)
LOCATION_WEIGHTS = _weights([row[4] for row in vocab.LOCATIONS])
LOCATION_CURRENCY = np.array([vocab.COUNTRIES[row[0]][0] for row in vocab.LOCATIONS], dtype=object)
LOCATION_TLD = np.array([vocab.COUNTRIES[row[0]][1] for row in vocab.LOCATIONS], dtype=object)
LOCATION_LEGAL_SUFFIX = np.array([vocab.COUNTRIES[row[0]][2] for row in vocab.LOCATIONS], dtype=object)
LOCATION_LOCAL_NAME = np.array([vocab.COUNTRIES[row[0]][3] for row in vocab.LOCATIONS], dtype=object)
LOCATION_USD_RATE = np.array([vocab.USD_RATES[vocab.COUNTRIES[row[0]][0]] for row in vocab.LOCATIONS])
REGIONS = list(vocab.REGION_FIT)

NAME_FIRST = np.array(vocab.NAME_FIRST_PARTS, dtype=object)
NAME_SECOND = np.array(vocab.NAME_SECOND_PARTS, dtype=object)
DOMAIN_FIRST = np.array([_domain_part(part) for part in vocab.NAME_FIRST_PARTS], dtype=object)
DOMAIN_SECOND = np.array([_domain_part(part) for part in vocab.NAME_SECOND_PARTS], dtype=object)

TECHNOLOGY_NAMES = list(vocab.TECHNOLOGIES)
TECHNOLOGY_SHARE = np.array([spec[0] for spec in vocab.TECHNOLOGIES.values()])
FIT_CRM_TECHNOLOGIES = {name for name, spec in vocab.TECHNOLOGIES.items() if spec[1] == "crm"}
FIT_WAREHOUSE_TECHNOLOGIES = {name for name, spec in vocab.TECHNOLOGIES.items() if spec[1] == "warehouse"}
CRM_COLUMNS = [index for index, name in enumerate(TECHNOLOGY_NAMES) if name in FIT_CRM_TECHNOLOGIES]
WAREHOUSE_COLUMNS = [index for index, name in enumerate(TECHNOLOGY_NAMES) if name in FIT_WAREHOUSE_TECHNOLOGIES]

ROLE_TITLES = np.array([role[0] for role in vocab.CONTACT_ROLES], dtype=object)
ROLE_DEPARTMENTS = np.array([role[1].value for role in vocab.CONTACT_ROLES], dtype=object)
ROLE_SENIORITIES = np.array([role[2].value for role in vocab.CONTACT_ROLES], dtype=object)
ROLE_WEIGHTS = _weights([role[3] for role in vocab.CONTACT_ROLES])
ROLE_PERSONAS = np.array([vocab.PERSONAS[role[1]] for role in vocab.CONTACT_ROLES], dtype=object)
BUYING_ROLE_VALUES = np.array([role.value for role in vocab.BUYING_ROLES] + [""], dtype=object)
FIRST_NAMES = np.array(vocab.FIRST_NAMES, dtype=object)
LAST_NAMES = np.array(vocab.LAST_NAMES, dtype=object)
EMAIL_FIRST = np.array([_email_part(name) for name in vocab.FIRST_NAMES], dtype=object)
EMAIL_LAST = np.array([_email_part(name) for name in vocab.LAST_NAMES], dtype=object)

OPEN_STAGES = np.array(vocab.OPEN_STAGES, dtype=object)
OPPORTUNITY_TYPE_LABELS = {choice.value: choice.label for choice in OpportunityType}

EVENT_TYPES = np.array([event_type.value for event_type in vocab.EVENT_TYPE_WEIGHTS], dtype=object)
EVENT_TYPE_WEIGHTS = _weights(list(vocab.EVENT_TYPE_WEIGHTS.values()))
EVENT_CONTACT_SHARE = np.array([vocab.EVENT_CONTACT_SHARE[event_type] for event_type in vocab.EVENT_TYPE_WEIGHTS])
EVENT_THEMES = np.array(vocab.EVENT_THEMES, dtype=object)
INTENT_TOPICS = np.array(vocab.INTENT_TOPICS, dtype=object)
INTENT_PROVIDERS = np.array(list(vocab.INTENT_PROVIDERS), dtype=object)
INTENT_PROVIDER_WEIGHTS = _weights(list(vocab.INTENT_PROVIDERS.values()))


@dataclass(frozen=True)
class Rep:
    """A sales rep who owns accounts in one region."""

    user_id: int
    region: str


@dataclass(frozen=True)
class GenerationPlan:
    """The options of a run plus the values every block shares."""

    seed: int
    as_of: date
    # The start of the as-of date in the configured time zone, in UTC.
    reference_time: np.datetime64
    # The start of the day WINDOW_DAYS before the as-of date, likewise. Events
    # and intent signals fall from here up to the reference time; the span
    # differs from WINDOW_DAYS x 24 hours when daylight saving time changes.
    window_start: np.datetime64
    events_per_account: float
    opportunities_per_account: float
    intent_per_account: float
    reps: tuple
    # The seeded order in which company names are handed out, by account id.
    name_order: np.ndarray


@dataclass
class BlockIds:
    """The first id of each table for the next block."""

    account: int
    contact: int
    opportunity: int
    event: int
    intent_signal: int


@dataclass
class Block:
    """The rows of one block, keyed by model, plus the latent fit of its accounts."""

    frames: dict
    latent_fit: np.ndarray
    # Seconds spent building each model's rows.
    seconds: dict


def name_order_for(seed):
    """Return the seeded permutation of company-name combinations."""
    return np.random.default_rng([seed, 0x4E414D45]).permutation(NAME_SPACE)


def fit_score(*, industry, employee_count, region, has_crm, has_warehouse):
    """Return the firmographic part of the latent fit for arrays of accounts.

    The demo's ideal customer is a software, financial or telecommunications
    company of 200 to 5,000 employees in North America or EMEA that runs a
    CRM (Salesforce or Dynamics 365) and a cloud data warehouse (Snowflake,
    Databricks or BigQuery). A missing value adds nothing.
    """
    industry_term = pd.Series(industry, dtype=object).map(INDUSTRY_FIT).fillna(0.0).to_numpy(dtype=float)
    region_term = pd.Series(region, dtype=object).map(vocab.REGION_FIT).fillna(0.0).to_numpy(dtype=float)
    employees = np.asarray(employee_count, dtype=float)
    size_term = np.select(
        [
            np.isnan(employees),
            employees < 50,
            employees < 200,
            employees <= 5000,
            employees <= 20000,
        ],
        [0.0, -0.7, 0.3, 0.8, 0.3],
        default=-0.2,
    )
    technology_term = 0.5 * np.asarray(has_crm, dtype=float) + 0.5 * np.asarray(has_warehouse, dtype=float)
    return industry_term + region_term + size_term + technology_term


def block_build(plan, *, block_number, ids, count):
    """Build the rows of one block of `count` accounts whose ids start at `ids`."""
    rng = np.random.default_rng([plan.seed, block_number])
    seconds = {}
    clock = time.perf_counter()

    def lap(model):
        nonlocal clock
        now = time.perf_counter()
        seconds[model] = seconds.get(model, 0.0) + now - clock
        clock = now

    accounts, latent, traits = _accounts(plan, rng, ids, count)
    lap(Account)
    contacts, contact_counts = _contacts(rng, ids, accounts)
    lap(Contact)
    opportunities = _opportunities(plan, rng, ids, accounts, latent, traits)
    lap(Opportunity)
    _customers(rng, accounts, opportunities, latent, count)
    lap(Account)

    contact_first_ids = ids.contact + np.concatenate([[0], np.cumsum(contact_counts)[:-1]])
    has_open = np.zeros(count, dtype=bool)
    is_open = opportunities["status"].to_numpy() == OpportunityStatus.OPEN.value
    has_open[opportunities["account_id"].to_numpy()[is_open] - ids.account] = True
    events = _events(plan, rng, ids, count, latent, traits, contact_first_ids, contact_counts, has_open)
    lap(EngagementEvent)
    intent_signals = _intent_signals(plan, rng, ids, count, latent, traits)
    lap(IntentSignal)

    frames = {
        Account: accounts,
        Contact: contacts,
        Opportunity: opportunities,
        EngagementEvent: events,
        IntentSignal: intent_signals,
    }
    return Block(frames=frames, latent_fit=latent, seconds=seconds)


def _external_ids(prefix, first_id, count):
    numbers = np.strings.zfill(np.arange(first_id, first_id + count).astype(str), 8)
    return np.strings.add(prefix, numbers).astype(object)


def _join_tags(mask, names):
    """Turn a boolean matrix (rows x names) into JSON arrays of the chosen names."""
    joined = np.full(mask.shape[0], "", dtype=object)
    for column, name in enumerate(names):
        chosen = mask[:, column]
        joined[chosen] = joined[chosen] + ", " + json.dumps(name)
    # Drop the separator in front of the first name.
    return ("[" + pd.Series(joined, dtype=object).str.slice(2) + "]").to_numpy(dtype=object)


def _accounts(plan, rng, ids, count):
    account_ids = np.arange(ids.account, ids.account + count)
    industry = rng.choice(len(INDUSTRY_NAMES), size=count, p=INDUSTRY_WEIGHTS)
    location = rng.choice(len(LOCATION_COUNTRY), size=count, p=LOCATION_WEIGHTS)
    headcount = INDUSTRY_MEDIAN_HEADCOUNT[industry] * np.exp(rng.normal(0.0, 1.7, count))
    headcount = np.clip(np.rint(headcount), 1, 400_000)

    # Subsidiaries: about 5% of the accounts under 1,000 employees hang
    # under a larger company of the same block, share its industry and are
    # at most a third of its size.
    parent_candidates = np.flatnonzero(headcount >= 1000)
    subsidiary = (rng.random(count) < 0.05) & (headcount < 1000)
    if parent_candidates.size == 0:
        subsidiary[:] = False
    parent_index = np.full(count, -1)
    parent_index[subsidiary] = rng.choice(parent_candidates, size=subsidiary.sum()) if subsidiary.any() else []
    industry[subsidiary] = industry[parent_index[subsidiary]]
    headcount[subsidiary] = np.minimum(headcount[subsidiary], np.maximum(1, headcount[parent_index[subsidiary]] // 3))

    revenue_usd = headcount * INDUSTRY_REVENUE_PER_EMPLOYEE[industry] * np.exp(rng.normal(0.0, 0.45, count))
    revenue = np.maximum(1000.0, np.round(revenue_usd * LOCATION_USD_RATE[location], -3))
    revenue[rng.random(count) < 0.06] = np.nan
    employee_count = headcount.copy()
    employee_count[rng.random(count) < 0.03] = np.nan

    industry_name = INDUSTRY_NAMES[industry]
    ownership = _ownership(rng, industry_name, headcount, subsidiary)
    technologies = rng.random((count, len(TECHNOLOGY_NAMES))) < np.clip(
        TECHNOLOGY_SHARE[None, :] * (headcount[:, None] / 150.0) ** 0.3, 0.0, 0.95
    )
    region = LOCATION_REGION[location]
    fit = fit_score(
        industry=industry_name,
        employee_count=employee_count,
        region=region,
        has_crm=technologies[:, CRM_COLUMNS].any(axis=1),
        has_warehouse=technologies[:, WAREHOUSE_COLUMNS].any(axis=1),
    )
    latent = fit + rng.normal(0.0, 0.6, count)

    name, domain = _names(plan, rng, account_ids, industry, location, ownership, parent_index)
    strategic_value = np.where(
        rng.random(count) < 0.18,
        np.clip(np.rint(1 + 4 * _sigmoid(latent - 1.0) + rng.normal(0.0, 0.8, count)), 1, 5),
        np.nan,
    )
    needs = (rng.random((count, len(vocab.NEEDS))) < 0.2) & (rng.random(count) < 0.15)[:, None]
    owner = _owners(plan, rng, region)
    parent_id = np.where(parent_index >= 0, ids.account + parent_index, np.nan)

    frame = pd.DataFrame(
        {
            "id": account_ids,
            "external_id": _external_ids("ACC-", ids.account, count),
            "source": SOURCE,
            "name": name,
            "domain": domain,
            "industry": industry_name,
            "employee_count": pd.array(employee_count, dtype="Int64"),
            "employee_band": _employee_bands(employee_count),
            "annual_revenue": revenue,
            "currency": LOCATION_CURRENCY[location],
            "country": LOCATION_COUNTRY[location],
            "region": region,
            "state": LOCATION_STATE[location],
            "city": LOCATION_CITY[location],
            "ownership_type": ownership,
            "technologies": _join_tags(technologies, TECHNOLOGY_NAMES),
            "strategic_value": pd.array(strategic_value, dtype="Int64"),
            "needs": _join_tags(needs, vocab.NEEDS),
            "owner_id": pd.array(owner, dtype="Int64"),
            "parent_id": pd.array(parent_id, dtype="Int64"),
        }
    )
    traits = {
        "headcount": headcount,
        "location": location,
        "surging": rng.random(count) < _sigmoid(latent - 2.6),
        "owner": owner,
    }
    return frame, latent, traits


def _ownership(rng, industry_name, headcount, subsidiary):
    draw = rng.random(headcount.size)
    public_share = 0.75 * _sigmoid((np.log(headcount) - np.log(5000)) / 0.8)
    ownership = np.where(draw < public_share, OwnershipType.PUBLIC.value, OwnershipType.PRIVATE.value).astype(object)
    ownership[(industry_name == "Government") & (draw < 0.9)] = OwnershipType.GOVERNMENT.value
    ownership[(industry_name == "Nonprofit") & (draw < 0.9)] = OwnershipType.NONPROFIT.value
    ownership[(industry_name == "Education") & (draw < 0.4)] = OwnershipType.NONPROFIT.value
    ownership[(industry_name == "Education") & (draw >= 0.4) & (draw < 0.7)] = OwnershipType.GOVERNMENT.value
    ownership[(industry_name == "Healthcare") & (draw > 0.8)] = OwnershipType.NONPROFIT.value
    ownership[subsidiary] = OwnershipType.SUBSIDIARY.value
    return ownership


def _employee_bands(employee_count):
    bands = np.full(employee_count.size, "", dtype=object)
    for band, low, high in EMPLOYEE_BAND_BOUNDS:
        upper = np.inf if high is None else high
        bands[(employee_count >= low) & (employee_count <= upper)] = band.value
    return bands


def _names(plan, rng, account_ids, industry, location, ownership, parent_index):
    """Return company names and normalized domains.

    Names are handed out in the seeded order of `plan.name_order`, so they
    are distinct for the first NAME_SPACE account ids. Later rounds reuse
    the names and add the round number to the domain.
    """
    combination = plan.name_order[(account_ids - 1) % NAME_SPACE]
    name_round = (account_ids - 1) // NAME_SPACE
    slot = combination % vocab.NAME_WORDS_PER_INDUSTRY
    second = (combination // vocab.NAME_WORDS_PER_INDUSTRY) % len(NAME_SECOND)
    first = combination // (vocab.NAME_WORDS_PER_INDUSTRY * len(NAME_SECOND))

    base_name = NAME_FIRST[first] + NAME_SECOND[second] + " " + INDUSTRY_WORDS[industry, slot]
    stem = DOMAIN_FIRST[first] + DOMAIN_SECOND[second] + INDUSTRY_DOMAIN_WORDS[industry, slot]
    stem = np.where(name_round > 0, stem + name_round.astype(str).astype(object), stem)
    domain = stem + "." + LOCATION_TLD[location]

    # Subsidiaries take the parent's name with their country's name, and
    # half of them share the parent's domain.
    subsidiary = parent_index >= 0
    parents = parent_index[subsidiary]
    base_name[subsidiary] = base_name[parents] + " " + LOCATION_LOCAL_NAME[location[subsidiary]]
    shares_domain = rng.random(subsidiary.sum()) < 0.5
    domain[subsidiary] = np.where(
        shares_domain, domain[parents], stem[parents] + "." + LOCATION_TLD[location[subsidiary]]
    )

    takes_suffix = INDUSTRY_TAKES_SUFFIX[industry] & (ownership != OwnershipType.NONPROFIT.value)
    takes_suffix &= (rng.random(account_ids.size) < 0.5) | subsidiary
    name = np.where(takes_suffix, base_name + " " + LOCATION_LEGAL_SUFFIX[location], base_name)
    return name, domain


def _owners(plan, rng, region):
    """Assign about 90% of accounts to a rep of their region, or to any rep if the region has none."""
    owner = np.full(region.size, np.nan)
    if not plan.reps:
        return owner
    all_reps = np.array([rep.user_id for rep in plan.reps], dtype=float)
    pick = rng.random(region.size)
    for region_name in REGIONS:
        in_region = region == region_name
        reps = np.array([rep.user_id for rep in plan.reps if rep.region == region_name], dtype=float)
        candidates = reps if reps.size else all_reps
        owner[in_region] = candidates[(pick[in_region] * candidates.size).astype(int)]
    owner[rng.random(region.size) < 0.1] = np.nan
    return owner


def _contacts(rng, ids, accounts):
    count = len(accounts)
    per_account = rng.choice(CONTACTS_PER_ACCOUNT, size=count, p=CONTACTS_PER_ACCOUNT_WEIGHTS)
    account_index = np.repeat(np.arange(count), per_account)
    total = account_index.size

    role = rng.choice(len(ROLE_TITLES), size=total, p=ROLE_WEIGHTS)
    seniority = ROLE_SENIORITIES[role]
    buying_role = np.empty(total, dtype=object)
    for level, weights in vocab.BUYING_ROLE_WEIGHTS.items():
        rows = seniority == level.value
        buying_role[rows] = rng.choice(BUYING_ROLE_VALUES, size=rows.sum(), p=_weights(weights))

    first = rng.integers(0, len(FIRST_NAMES), total)
    last = rng.integers(0, len(LAST_NAMES), total)
    domain = accounts["domain"].to_numpy(dtype=object)[account_index]
    email = EMAIL_FIRST[first] + "." + EMAIL_LAST[last] + "@" + domain

    frame = pd.DataFrame(
        {
            "id": np.arange(ids.contact, ids.contact + total),
            "external_id": _external_ids("CON-", ids.contact, total),
            "source": SOURCE,
            "account_id": ids.account + account_index,
            "email": email,
            "first_name": FIRST_NAMES[first],
            "last_name": LAST_NAMES[last],
            "title": ROLE_TITLES[role],
            "department": ROLE_DEPARTMENTS[role],
            "seniority": seniority,
            "buying_role": buying_role,
            "persona": ROLE_PERSONAS[role],
        }
    )
    return frame, per_account


def _opportunities(plan, rng, ids, accounts, latent, traits):
    count = len(accounts)
    weight = np.exp(0.6 * latent)
    per_account = np.minimum(rng.poisson(plan.opportunities_per_account * weight / weight.mean()), 8)
    account_index = np.repeat(np.arange(count), per_account)
    total = account_index.size

    as_of = np.datetime64(plan.as_of, "D")
    age_days = np.minimum(np.floor(rng.exponential(300.0, total)), OPPORTUNITY_HISTORY_DAYS - 1).astype(int)
    created = as_of - 1 - age_days.astype("timedelta64[D]")
    cycle_days = np.clip(np.rint(np.exp(rng.normal(np.log(55.0), 0.7, total))), 1, 400).astype(int)
    order = np.lexsort((created.astype(np.int64), account_index))
    account_index, created, cycle_days, age_days = (
        account_index[order], created[order], cycle_days[order], age_days[order]
    )
    closes = created + cycle_days.astype("timedelta64[D]")
    is_open = closes >= as_of

    # Deals are decided in order of creation, because a later deal is an
    # expansion or a renewal only when the account has already won one.
    rank = np.arange(total) - np.concatenate([[0], np.cumsum(per_account)[:-1]])[account_index]
    fit = latent[account_index] - FIT_CENTRE
    win_draw = rng.random(total)
    type_draw = rng.random(total)
    won_before = np.zeros(count, dtype=int)
    opportunity_type = np.empty(total, dtype=object)
    won = np.zeros(total, dtype=bool)
    for position in range(int(rank.max()) + 1 if total else 0):
        rows = np.flatnonzero(rank == position)
        customer = won_before[account_index[rows]] > 0
        kind = np.where(
            customer,
            np.where(type_draw[rows] < 0.6, OpportunityType.EXPANSION.value, OpportunityType.RENEWAL.value),
            OpportunityType.NEW_BUSINESS.value,
        )
        win_probability = np.select(
            [kind == OpportunityType.NEW_BUSINESS.value, kind == OpportunityType.EXPANSION.value],
            [_sigmoid(-1.8 + 1.1 * fit[rows]), _sigmoid(-0.6 + 0.8 * fit[rows])],
            default=_sigmoid(1.1 + 0.5 * fit[rows]),
        )
        opportunity_type[rows] = kind
        won[rows] = (win_draw[rows] < win_probability) & ~is_open[rows]
        np.add.at(won_before, account_index[rows], won[rows])

    closed_status = np.where(won, OpportunityStatus.WON.value, OpportunityStatus.LOST.value)
    status = np.where(is_open, OpportunityStatus.OPEN.value, closed_status)
    progress = np.minimum(age_days / cycle_days, 0.999)
    stage = np.where(
        is_open,
        OPEN_STAGES[(progress * len(OPEN_STAGES)).astype(int)],
        np.where(won, vocab.WON_STAGE, vocab.LOST_STAGE),
    )

    headcount = traits["headcount"][account_index]
    rate = LOCATION_USD_RATE[traits["location"][account_index]]
    size = 15_000.0 * (headcount / 100.0) ** 0.4 * np.exp(rng.normal(0.0, 0.6, total))
    size *= np.where(opportunity_type == OpportunityType.EXPANSION.value, 0.4, 1.0)
    amount = np.maximum(1000.0, np.round(size * rate, -2))

    names = accounts["name"].to_numpy(dtype=object)[account_index]
    labels = pd.Series(opportunity_type, dtype=object).map(OPPORTUNITY_TYPE_LABELS).to_numpy(dtype=object)
    years = created.astype("datetime64[Y]").astype(int) + 1970
    return pd.DataFrame(
        {
            "id": np.arange(ids.opportunity, ids.opportunity + total),
            "external_id": _external_ids("OPP-", ids.opportunity, total),
            "source": SOURCE,
            "account_id": ids.account + account_index,
            "name": names + " - " + labels + " " + years.astype(str).astype(object),
            "amount": amount,
            "currency": accounts["currency"].to_numpy(dtype=object)[account_index],
            "stage": stage,
            "status": status,
            "type": opportunity_type,
            "created_date": created,
            "closed_date": np.where(is_open, np.datetime64("NaT"), closes).astype("datetime64[D]"),
            "owner_id": pd.array(traits["owner"][account_index], dtype="Int64"),
        }
    )


def _customers(rng, accounts, opportunities, latent, count):
    """Set ARR and health on accounts that have won a deal.

    ARR is the sum of won new-business and expansion deals. A customer
    has churned when its latest closed deal is a lost renewal, or by a draw
    that is likelier at low fit (about one customer in ten at the centre):
    its ARR is 0 and its health low.
    """
    first_id = int(accounts["id"].iloc[0])
    account_index = opportunities["account_id"].to_numpy() - first_id
    status = opportunities["status"].to_numpy(dtype=object)
    kind = opportunities["type"].to_numpy(dtype=object)
    won = status == OpportunityStatus.WON.value
    recurring = won & (kind != OpportunityType.RENEWAL.value)
    arr = np.bincount(account_index[recurring], weights=opportunities["amount"].to_numpy()[recurring], minlength=count)
    customer = np.bincount(account_index[won], minlength=count) > 0

    closed = opportunities[status != OpportunityStatus.OPEN.value]
    latest = closed.sort_values(["account_id", "closed_date", "id"]).drop_duplicates("account_id", keep="last")
    lost_renewal = latest[
        (latest["status"] == OpportunityStatus.LOST.value) & (latest["type"] == OpportunityType.RENEWAL.value)
    ]
    churned = np.zeros(count, dtype=bool)
    churned[lost_renewal["account_id"].to_numpy() - first_id] = True
    churned |= rng.random(count) < _sigmoid(-2.2 - 0.8 * (latent - FIT_CENTRE))
    churned &= customer

    healthy = 100 * rng.beta(4.0 + 2.0 * _sigmoid(latent - FIT_CENTRE), 2.0)
    unhealthy = 100 * rng.beta(1.5, 5.0, count)
    health = np.where(churned, unhealthy, healthy)
    accounts["arr"] = np.where(customer, np.where(churned, 0.0, arr), np.nan)
    accounts["health_score"] = pd.array(np.where(customer, np.clip(np.rint(health), 0, 100), np.nan), dtype="Int64")


def _event_times(plan, rng, surging):
    """Return instants from the window start up to the reference time, recent ones likelier for surging accounts."""
    exponent = np.where(surging, 2.0, 1.0)
    window_seconds = int((plan.reference_time - plan.window_start) // np.timedelta64(1, "s"))
    age_seconds = np.floor(window_seconds * rng.random(surging.size) ** exponent).astype(np.int64) + 1
    return plan.reference_time - age_seconds.astype("timedelta64[s]")


def _favourites(rng, count, choices):
    return rng.integers(0, choices, count), rng.integers(0, choices, count)


def _pick_favoured(rng, account_index, favourites, choices, shares):
    first, second = favourites
    draw = rng.random(account_index.size)
    return np.where(
        draw < shares[0],
        first[account_index],
        np.where(draw < shares[0] + shares[1], second[account_index], rng.integers(0, choices, account_index.size)),
    )


def _events(plan, rng, ids, count, latent, traits, contact_first_ids, contact_counts, has_open):
    weight = np.exp(0.5 * latent) * np.where(traits["surging"], 2.5, 1.0) * np.where(has_open, 1.3, 1.0)
    per_account = rng.poisson(plan.events_per_account * weight / weight.mean())
    account_index = np.repeat(np.arange(count), per_account)
    total = account_index.size

    event_type = rng.choice(len(EVENT_TYPES), size=total, p=EVENT_TYPE_WEIGHTS)
    named = rng.random(total) < EVENT_CONTACT_SHARE[event_type]
    contact_offset = (rng.random(total) * contact_counts[account_index]).astype(np.int64)
    contact_id = np.where(named, contact_first_ids[account_index] + contact_offset, 0)
    favourite_themes = _favourites(rng, count, len(EVENT_THEMES))
    theme = _pick_favoured(rng, account_index, favourite_themes, len(EVENT_THEMES), (0.4, 0.25))
    return pd.DataFrame(
        {
            "id": np.arange(ids.event, ids.event + total),
            "source": SOURCE,
            "account_id": ids.account + account_index,
            "contact_id": pd.array(np.where(named, contact_id, np.nan), dtype="Int64"),
            "type": EVENT_TYPES[event_type],
            "theme": EVENT_THEMES[theme],
            "occurred_at": _event_times(plan, rng, traits["surging"][account_index]),
        }
    )


def _intent_signals(plan, rng, ids, count, latent, traits):
    surging = traits["surging"]
    weight = np.exp(0.7 * latent) * np.where(surging, 2.5, 1.0)
    per_account = rng.poisson(plan.intent_per_account * weight / weight.mean())
    account_index = np.repeat(np.arange(count), per_account)
    total = account_index.size

    favourite_topics = _favourites(rng, count, len(INTENT_TOPICS))
    topic = _pick_favoured(rng, account_index, favourite_topics, len(INTENT_TOPICS), (0.35, 0.25))
    mean_score = np.where(surging[account_index], 72.0, 32.0) + 5.0 * (latent[account_index] - FIT_CENTRE)
    score = np.clip(np.rint(rng.normal(mean_score, 14.0)), 0, 100).astype(np.int64)
    return pd.DataFrame(
        {
            "id": np.arange(ids.intent_signal, ids.intent_signal + total),
            "source": SOURCE,
            "account_id": ids.account + account_index,
            "topic": INTENT_TOPICS[topic],
            "score": score,
            "provider": INTENT_PROVIDERS[rng.choice(len(INTENT_PROVIDERS), size=total, p=INTENT_PROVIDER_WEIGHTS)],
            "observed_at": _event_times(plan, rng, surging[account_index]),
        }
    )
