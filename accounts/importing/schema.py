"""What each import kind accepts: its target fields, how each is parsed, and the
column headers of common CRM exports that map to it without configuration.

Header matching compares a header's key: lower case with every run of other
characters than letters and digits turned into one underscore, so "Company
Domain Name", "company-domain-name" and "company_domain_name" are one key.
"""

import re
from dataclasses import dataclass, field

from accounts.models import ImportKind, SynonymKind


class Parse:
    """The parser for a target field's cells, named after the parsers in parsing.py."""

    TEXT = "text"
    EXTERNAL_ID = "external_id"
    DOMAIN = "domain"
    EMAIL = "email"
    INDUSTRY = "industry"
    COUNTRY = "country"
    CHOICE = "choice"
    EMPLOYEES = "employees"
    EMPLOYEE_BAND = "employee_band"
    MONEY = "money"
    CURRENCY = "currency"
    INTEGER = "integer"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    LIST = "list"
    REFERENCE = "reference"
    OWNER = "owner"
    TITLE = "title"


@dataclass(frozen=True)
class Target:
    """A field a column can be mapped to."""

    name: str
    parse: str
    headers: tuple = ()
    """Header keys that map here without configuration, best first."""
    max_length: int | None = None
    synonyms: str | None = None
    """The synonym table that normalizes the values, for INDUSTRY, COUNTRY and CHOICE."""
    minimum: int | None = None
    maximum: int | None = None
    extra_key: str | None = None
    """Stored in extra under this key instead of a model field."""
    options: dict = field(default_factory=dict)


def header_key(header):
    return re.sub(r"[^a-z0-9]+", "_", str(header).strip().lower()).strip("_")


EXTERNAL_ID_HEADERS = ("external_id", "id", "record_id", "crm_id", "salesforce_id", "hubspot_id")
ACCOUNT_REFERENCE = (
    Target("account_external_id", Parse.REFERENCE,
           ("account_external_id", "account_id", "accountid", "company_id", "associated_company_id",
            "hubspot_company_id", "account"), max_length=255),
    Target("account_domain", Parse.REFERENCE,
           ("account_domain", "company_domain_name", "company_domain", "account_website", "company_website"),
           options={"domain": True}),
)
OWNER = Target("owner", Parse.OWNER, ("owner", "account_owner", "company_owner", "contact_owner", "deal_owner",
                                      "opportunity_owner", "owner_email", "hubspot_owner", "owner_id"))

ACCOUNT_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID,
           EXTERNAL_ID_HEADERS + ("account_id", "accountid", "company_id", "hubspot_company_id", "account_external_id"),
           max_length=255),
    Target("name", Parse.TEXT, ("name", "company_name", "account_name", "company", "organization_name",
                                "organization", "account"), max_length=255),
    Target("domain", Parse.DOMAIN, ("domain", "company_domain_name", "company_domain", "domain_name", "website",
                                    "website_url", "company_website", "url"), max_length=255),
    Target("industry", Parse.INDUSTRY, ("industry", "industry_name", "sector"), max_length=128,
           synonyms=SynonymKind.INDUSTRY),
    Target("employee_count", Parse.EMPLOYEES, ("employee_count", "number_of_employees", "numberofemployees",
                                               "employees", "headcount", "employee_number", "num_employees")),
    Target("employee_band", Parse.EMPLOYEE_BAND, ("employee_band", "employee_range", "company_size", "size",
                                                  "employees_range")),
    Target("annual_revenue", Parse.MONEY, ("annual_revenue", "annualrevenue", "revenue", "yearly_revenue")),
    Target("arr", Parse.MONEY, ("arr", "annual_recurring_revenue")),
    Target("currency", Parse.CURRENCY, ("currency", "currency_code", "currencyisocode", "currency_iso_code",
                                        "annual_revenue_currency")),
    Target("country", Parse.COUNTRY, ("country", "country_region", "billingcountry", "billing_country",
                                      "hq_country", "headquarters_country", "country_code", "office_location"),
           synonyms=SynonymKind.COUNTRY),
    Target("region", Parse.TEXT, ("region", "sales_region", "geo"), max_length=64),
    Target("state", Parse.TEXT, ("state", "state_region", "billingstate", "billing_state", "state_province",
                                 "headquartersstate", "headquarters_state", "province"), max_length=64),
    Target("city", Parse.TEXT, ("city", "billingcity", "billing_city", "headquarterscity", "headquarters_city"),
           max_length=128),
    Target("ownership_type", Parse.CHOICE, ("ownership_type", "ownership", "companytype", "company_type"),
           synonyms=SynonymKind.OWNERSHIP_TYPE),
    Target("technologies", Parse.LIST, ("technologies", "tech_stack", "web_technologies", "technology")),
    Target("needs", Parse.LIST, ("needs", "use_cases")),
    Target("strategic_value", Parse.INTEGER, ("strategic_value",), minimum=1, maximum=5),
    Target("health_score", Parse.INTEGER, ("health_score", "customer_health", "health"), minimum=0, maximum=100),
    Target("parent_external_id", Parse.REFERENCE,
           ("parent_external_id", "parent_id", "parentid", "parent_account_id", "parent_company_id",
            "parent_account", "parent_company", "subsidiary_of", "parent"), max_length=255),
    Target("parent_domain", Parse.REFERENCE, ("parent_domain", "parent_company_domain", "parent_website"),
           options={"domain": True}),
    OWNER,
    # Recognized CRM fields without a model field of their own; kept in extra for rules.
    Target("account_type", Parse.TEXT, ("type", "account_type", "company_type_crm"), extra_key="account_type"),
    Target("crm_lifecycle_stage", Parse.TEXT, ("lifecycle_stage", "lifecyclestage"),
           extra_key="crm_lifecycle_stage"),
)

CONTACT_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID, EXTERNAL_ID_HEADERS + ("contact_id", "contactid", "hubspot_contact_id"),
           max_length=255),
    Target("email", Parse.EMAIL, ("email", "email_address", "e_mail", "work_email")),
    Target("first_name", Parse.TEXT, ("first_name", "firstname", "given_name"), max_length=128),
    Target("last_name", Parse.TEXT, ("last_name", "lastname", "surname", "family_name"), max_length=128),
    Target("title", Parse.TITLE, ("title", "job_title", "jobtitle", "position"), max_length=255),
    Target("department", Parse.CHOICE, ("department", "function", "job_function"), synonyms=SynonymKind.DEPARTMENT),
    Target("seniority", Parse.CHOICE, ("seniority", "seniority_level", "job_level", "level"),
           synonyms=SynonymKind.SENIORITY),
    Target("buying_role", Parse.CHOICE, ("buying_role", "buying_roles", "contact_role", "role"),
           synonyms=SynonymKind.BUYING_ROLE),
    Target("persona", Parse.TEXT, ("persona",), max_length=128),
    *ACCOUNT_REFERENCE,
)

OPPORTUNITY_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID,
           EXTERNAL_ID_HEADERS + ("opportunity_id", "opportunityid", "deal_id", "hubspot_deal_id"), max_length=255),
    Target("name", Parse.TEXT, ("name", "opportunity_name", "deal_name"), max_length=255),
    Target("amount", Parse.MONEY, ("amount", "deal_amount", "close_value", "value", "opportunity_amount")),
    Target("currency", Parse.CURRENCY, ("currency", "currency_code", "currencyisocode", "deal_currency_code")),
    Target("stage", Parse.TEXT, ("stage", "stagename", "stage_name", "deal_stage", "dealstage"), max_length=64),
    Target("status", Parse.CHOICE, ("status", "deal_status", "opportunity_status"),
           synonyms=SynonymKind.OPPORTUNITY_STAGE),
    Target("is_won", Parse.BOOLEAN, ("is_won", "iswon", "won")),
    Target("is_closed", Parse.BOOLEAN, ("is_closed", "isclosed", "closed")),
    Target("type", Parse.CHOICE, ("type", "opportunity_type", "deal_type", "dealtype"),
           synonyms=SynonymKind.OPPORTUNITY_TYPE),
    Target("created_date", Parse.DATE, ("created_date", "createddate", "create_date", "created", "created_at")),
    Target("closed_date", Parse.DATE, ("closed_date", "close_date", "closedate", "closed_at")),
    OWNER,
    *ACCOUNT_REFERENCE,
)

EVENT_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID, EXTERNAL_ID_HEADERS + ("event_id", "activity_id"), max_length=255),
    Target("type", Parse.CHOICE, ("type", "event_type", "activity_type", "engagement_type"),
           synonyms=SynonymKind.EVENT_TYPE),
    Target("theme", Parse.TEXT, ("theme", "content_theme", "topic", "campaign"), max_length=128),
    Target("occurred_at", Parse.DATETIME, ("occurred_at", "timestamp", "date", "activity_date", "event_date",
                                           "created_at", "time")),
    Target("contact_external_id", Parse.REFERENCE, ("contact_external_id", "contact_id", "contactid"), max_length=255),
    Target("contact_email", Parse.REFERENCE, ("contact_email", "email", "email_address"), options={"email": True}),
    *ACCOUNT_REFERENCE,
)

INTENT_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID, EXTERNAL_ID_HEADERS + ("signal_id",), max_length=255),
    Target("topic", Parse.TEXT, ("topic", "intent_topic", "keyword", "topic_name"), max_length=128),
    Target("score", Parse.INTEGER, ("score", "intent_score", "composite_score", "surge_score"), minimum=0,
           maximum=100),
    Target("provider", Parse.TEXT, ("provider", "source", "intent_provider", "vendor"), max_length=64),
    Target("observed_at", Parse.DATETIME, ("observed_at", "date", "timestamp", "week", "observed_on", "signal_date")),
    Target("account_external_id", Parse.REFERENCE, ACCOUNT_REFERENCE[0].headers, max_length=255),
    Target("account_domain", Parse.REFERENCE,
           ACCOUNT_REFERENCE[1].headers + ("domain", "website", "company_website_url"), options={"domain": True}),
)

ARR_TARGETS = (
    Target("external_id", Parse.EXTERNAL_ID, EXTERNAL_ID_HEADERS + ("arr_id", "snapshot_id"), max_length=255),
    Target("month", Parse.DATE, ("month", "arr_month", "period", "snapshot_month", "as_of", "date")),
    Target("arr", Parse.MONEY, ("arr", "annual_recurring_revenue", "arr_amount", "recurring_revenue")),
    Target("currency", Parse.CURRENCY, ("currency", "currency_code", "currencyisocode")),
    *ACCOUNT_REFERENCE,
)

TARGETS = {
    ImportKind.ACCOUNTS: {target.name: target for target in ACCOUNT_TARGETS},
    ImportKind.CONTACTS: {target.name: target for target in CONTACT_TARGETS},
    ImportKind.OPPORTUNITIES: {target.name: target for target in OPPORTUNITY_TARGETS},
    ImportKind.EVENTS: {target.name: target for target in EVENT_TARGETS},
    ImportKind.INTENT: {target.name: target for target in INTENT_TARGETS},
    ImportKind.ARR: {target.name: target for target in ARR_TARGETS},
}

# Kinds whose model has an extra JSON field, so unknown columns can be kept.
KINDS_WITH_EXTRA = {ImportKind.ACCOUNTS, ImportKind.CONTACTS, ImportKind.OPPORTUNITIES}
