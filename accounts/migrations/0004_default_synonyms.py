from django.db import migrations

# The starting synonym tables. RevOps edits them in the product afterwards, so
# they are written out here rather than imported: the migration stays valid
# when the code changes. Synonyms are in matching form (lower case, single
# spaces). Country names and ISO codes that pycountry knows need no entry.
DEFAULT_SYNONYMS = {
    "country": {
        "us": "US", "u.s.": "US", "u.s.a.": "US", "usa": "US", "america": "US",
        "united states of america": "US", "the united states": "US",
        "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB",
        "scotland": "GB", "wales": "GB", "northern ireland": "GB", "the united kingdom": "GB",
        "holland": "NL", "the netherlands": "NL", "deutschland": "DE", "south korea": "KR",
        "korea": "KR", "republic of korea": "KR", "north korea": "KP", "russia": "RU",
        "vietnam": "VN", "taiwan": "TW", "iran": "IR", "syria": "SY", "laos": "LA",
        "czech republic": "CZ", "czechia": "CZ", "uae": "AE", "u.a.e.": "AE", "bolivia": "BO",
        "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "hong kong": "HK", "macau": "MO",
        "ivory coast": "CI", "turkey": "TR", "brasil": "BR", "espana": "ES", "españa": "ES",
        "mexico": "MX", "méxico": "MX", "schweiz": "CH", "suisse": "CH", "österreich": "AT",
        "prc": "CN", "people's republic of china": "CN", "mainland china": "CN",
    },
    "industry": {
        "software": "Software", "computer software": "Software", "saas": "Software",
        "enterprise software": "Software", "internet software & services": "Software",
        "technology": "Technology", "tech": "Technology", "information technology": "Technology",
        "information technology and services": "Technology", "it services": "Technology",
        "computer hardware": "Hardware", "hardware": "Hardware",
        "financial services": "Financial Services", "finance": "Financial Services",
        "financials": "Financial Services", "fintech": "Financial Services",
        "banking": "Banking", "banks": "Banking", "insurance": "Insurance",
        "health care": "Health Care", "healthcare": "Health Care", "medical": "Health Care",
        "hospital & health care": "Health Care", "pharmaceuticals": "Pharmaceuticals",
        "biotechnology": "Biotechnology", "retail": "Retail", "retailing": "Retail",
        "e-commerce": "Retail", "ecommerce": "Retail", "manufacturing": "Manufacturing",
        "industrials": "Manufacturing", "energy": "Energy", "oil & energy": "Energy",
        "utilities": "Utilities", "telecommunications": "Telecommunications",
        "telecom": "Telecommunications", "media": "Media", "entertainment": "Media",
        "media & entertainment": "Media", "marketing": "Marketing and Advertising",
        "marketing and advertising": "Marketing and Advertising", "advertising": "Marketing and Advertising",
        "education": "Education", "higher education": "Education", "government": "Government",
        "government administration": "Government", "nonprofit": "Nonprofit",
        "non-profit organization management": "Nonprofit", "real estate": "Real Estate",
        "transportation": "Transportation", "logistics": "Transportation",
        "logistics and supply chain": "Transportation", "aerospace & defense": "Aerospace and Defense",
        "aerospace and defense": "Aerospace and Defense", "automotive": "Automotive",
        "professional services": "Professional Services", "services": "Professional Services",
        "business services": "Professional Services", "consulting": "Professional Services",
        "management consulting": "Professional Services", "staffing and recruiting": "Staffing",
        "employment": "Staffing", "staffing": "Staffing", "hospitality": "Hospitality",
        "food & beverages": "Food and Beverage", "food and beverage": "Food and Beverage",
        "construction": "Construction", "chemicals": "Chemicals", "materials": "Materials",
    },
    "ownership_type": {
        "public": "public", "public company": "public", "publicly held": "public",
        "publicly traded": "public", "listed": "public", "private": "private",
        "private company": "private", "privately held": "private", "subsidiary": "subsidiary",
        "nonprofit": "nonprofit", "non-profit": "nonprofit", "non profit": "nonprofit",
        "not for profit": "nonprofit", "not-for-profit": "nonprofit", "government": "government",
        "government agency": "government", "public sector": "government", "state-owned": "government",
    },
    # Seniority and department entries are also searched for inside job titles,
    # as whole words; a longer entry wins over a shorter one it contains.
    "seniority": {
        "c-level": "c_level", "c level": "c_level", "chief": "c_level", "ceo": "c_level",
        "cfo": "c_level", "cto": "c_level", "cio": "c_level", "ciso": "c_level", "coo": "c_level",
        "cmo": "c_level", "cro": "c_level", "cpo": "c_level", "founder": "c_level",
        "co-founder": "c_level", "president": "c_level", "owner": "c_level", "partner": "c_level",
        "executive": "c_level", "vp": "vp", "svp": "vp", "evp": "vp", "avp": "vp",
        "vice president": "vp", "head of": "vp", "director": "director", "dir": "director",
        "manager": "manager", "mgr": "manager", "lead": "manager", "team lead": "manager",
        "supervisor": "manager", "individual contributor": "individual_contributor",
        "ic": "individual_contributor", "engineer": "individual_contributor",
        "analyst": "individual_contributor", "specialist": "individual_contributor",
        "associate": "individual_contributor", "representative": "individual_contributor",
        "developer": "individual_contributor", "consultant": "individual_contributor",
        "coordinator": "individual_contributor", "administrator": "individual_contributor",
        "entry": "individual_contributor", "staff": "individual_contributor",
    },
    "department": {
        "executive": "executive", "ceo": "executive", "founder": "executive", "president": "executive",
        "engineering": "engineering", "engineer": "engineering", "developer": "engineering",
        "software": "engineering", "cto": "engineering", "r&d": "engineering", "devops": "engineering",
        "it": "it", "information technology": "it", "cio": "it", "ciso": "it", "security": "it",
        "infrastructure": "it", "systems": "it", "finance": "finance", "cfo": "finance",
        "accounting": "finance", "controller": "finance", "procurement": "finance",
        "operations": "operations", "coo": "operations", "ops": "operations", "revops": "operations",
        "revenue operations": "operations", "marketing": "marketing", "cmo": "marketing",
        "demand generation": "marketing", "growth": "marketing", "brand": "marketing",
        "sales": "sales", "cro": "sales", "account executive": "sales", "business development": "sales",
        "sdr": "sales", "bdr": "sales", "customer success": "customer_success",
        "support": "customer_success", "customer service": "customer_success",
        "account management": "customer_success", "product": "product", "cpo": "product",
        "product management": "product", "product manager": "product", "design": "product",
        "human resources": "human_resources", "hr": "human_resources", "people": "human_resources",
        "talent": "human_resources", "recruiting": "human_resources", "legal": "legal",
        "counsel": "legal", "general counsel": "legal", "compliance": "legal", "other": "other",
    },
    "buying_role": {
        "economic buyer": "economic_buyer", "decision maker": "economic_buyer",
        "budget holder": "economic_buyer", "executive sponsor": "economic_buyer",
        "champion": "champion", "user": "user", "end user": "user",
        "technical reviewer": "technical_reviewer", "technical buyer": "technical_reviewer",
        "technical evaluator": "technical_reviewer", "evaluator": "technical_reviewer",
        "influencer": "influencer", "blocker": "blocker", "detractor": "blocker",
    },
    # Stage names map to the opportunity status; stage itself is kept as typed.
    "opportunity_stage": {
        "won": "won", "closed won": "won", "closed - won": "won", "closedwon": "won",
        "lost": "lost", "closed lost": "lost", "closed - lost": "lost", "closedlost": "lost",
        "prospecting": "open", "qualification": "open", "needs analysis": "open",
        "value proposition": "open", "id. decision makers": "open", "perception analysis": "open",
        "proposal/price quote": "open", "negotiation/review": "open", "discovery": "open",
        "demo": "open", "proposal": "open", "negotiation": "open", "appointmentscheduled": "open",
        "appointment scheduled": "open", "qualifiedtobuy": "open", "qualified to buy": "open",
        "presentationscheduled": "open", "presentation scheduled": "open",
        "decisionmakerboughtin": "open", "decision maker bought-in": "open",
        "contractsent": "open", "contract sent": "open", "open": "open",
    },
    "opportunity_type": {
        "new business": "new_business", "newbusiness": "new_business", "new": "new_business",
        "new customer": "new_business", "expansion": "expansion", "upsell": "expansion",
        "cross-sell": "expansion", "existing business": "expansion", "existingbusiness": "expansion",
        "existing customer - upgrade": "expansion", "add-on": "expansion", "renewal": "renewal",
        "existing customer - replacement": "renewal", "existing customer - downgrade": "renewal",
    },
    "event_type": {
        "web visit": "web_visit", "page view": "web_visit", "website visit": "web_visit",
        "visit": "web_visit", "email open": "email_open", "email opened": "email_open",
        "open": "email_open", "email click": "email_click", "email clicked": "email_click",
        "click": "email_click", "email reply": "email_reply", "email replied": "email_reply",
        "reply": "email_reply", "content download": "content_download", "download": "content_download",
        "form submission": "content_download", "event attendance": "event_attendance",
        "event": "event_attendance", "webinar": "event_attendance", "webinar attended": "event_attendance",
        "call": "call", "phone call": "call", "meeting": "meeting", "meeting booked": "meeting",
    },
}


def add_synonyms(apps, schema_editor):
    Synonym = apps.get_model("accounts", "Synonym")
    Synonym.objects.bulk_create(
        [
            Synonym(kind=kind, synonym=synonym, value=value)
            for kind, entries in DEFAULT_SYNONYMS.items()
            for synonym, value in entries.items()
        ],
        ignore_conflicts=True,
    )


def remove_synonyms(apps, schema_editor):
    Synonym = apps.get_model("accounts", "Synonym")
    for kind, entries in DEFAULT_SYNONYMS.items():
        Synonym.objects.filter(kind=kind, synonym__in=list(entries)).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_imports")]

    operations = [migrations.RunPython(add_synonyms, remove_synonyms)]
