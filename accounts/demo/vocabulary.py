"""Word lists and weights behind the demo data.

Weights are relative within each list. The lists are fixed data, so the
generated rows depend only on the seed, the as-of date and the options.
"""

from ..models import BuyingRole, Department, EventType, Seniority

# Industry: (weight, revenue per employee in USD, median headcount, fit).
# The fit term raises the latent fit that drives win rates and engagement:
# the demo's ideal customers are mid-sized software, financial and
# telecommunications companies.
INDUSTRIES = {
    "Software": (12, 250_000, 90, 1.0),
    "Financial Services": (7, 420_000, 160, 0.8),
    "Insurance": (3, 380_000, 220, 0.5),
    "Healthcare": (8, 150_000, 200, 0.4),
    "Pharmaceuticals": (2, 450_000, 300, 0.3),
    "Manufacturing": (10, 260_000, 150, 0.2),
    "Retail": (7, 190_000, 110, -0.2),
    "Consumer Goods": (4, 300_000, 120, -0.1),
    "Professional Services": (9, 160_000, 45, 0.3),
    "Telecommunications": (3, 450_000, 300, 0.6),
    "Media": (4, 220_000, 60, 0.0),
    "Education": (5, 90_000, 150, -0.6),
    "Government": (3, 120_000, 300, -0.8),
    "Nonprofit": (3, 80_000, 40, -0.9),
    "Energy": (3, 600_000, 250, 0.1),
    "Transportation and Logistics": (4, 210_000, 140, 0.1),
    "Construction": (4, 230_000, 70, -0.4),
    "Real Estate": (3, 280_000, 40, -0.3),
    "Hospitality": (3, 90_000, 120, -0.5),
    "Automotive": (2, 380_000, 250, 0.1),
    "Agriculture": (1, 240_000, 60, -0.6),
}

# The last word of a company name, ten per industry; the position in the
# list is part of what keeps generated names apart.
INDUSTRY_NAME_WORDS = {
    "Software": ["Software", "Labs", "Systems", "Technologies", "Analytics", "Cloud", "Data", "AI", "Digital", "Apps"],
    "Financial Services": [
        "Capital", "Financial", "Bank", "Partners", "Investments", "Credit", "Wealth", "Payments", "Trust", "Finance",
    ],
    "Insurance": [
        "Insurance", "Assurance", "Mutual", "Underwriters", "Risk", "Life", "Indemnity", "Casualty", "Cover", "Re",
    ],
    "Healthcare": [
        "Health", "Medical", "Care", "Clinics", "Hospital", "Diagnostics", "Wellness", "Health Partners",
        "Physicians", "Medical Group",
    ],
    "Pharmaceuticals": [
        "Pharma", "Therapeutics", "Biosciences", "Bio", "Biologics", "Laboratories", "Genomics", "Medicines",
        "Life Sciences", "Biotech",
    ],
    "Manufacturing": [
        "Manufacturing", "Industries", "Works", "Fabrication", "Components", "Machinery", "Metals", "Plastics",
        "Tooling", "Industrial",
    ],
    "Retail": ["Retail", "Stores", "Outfitters", "Market", "Goods", "Shops", "Supply", "Home", "Apparel", "Trading"],
    "Consumer Goods": [
        "Brands", "Foods", "Beverages", "Products", "Consumer", "Essentials", "Home Goods", "Naturals", "Kitchen",
        "Living",
    ],
    "Professional Services": [
        "Consulting", "Advisors", "Partners", "Associates", "Group", "Solutions", "Legal", "Accounting", "Strategy",
        "Services",
    ],
    "Telecommunications": [
        "Telecom", "Networks", "Communications", "Wireless", "Connect", "Broadband", "Mobile", "Fiber",
        "Telecom Group", "Link",
    ],
    "Media": [
        "Media", "Studios", "Publishing", "Entertainment", "Pictures", "Broadcasting", "Press", "Productions",
        "Music", "Games",
    ],
    "Education": [
        "University", "College", "Academy", "Institute", "School", "Learning", "Education", "Schools", "Campus",
        "Training",
    ],
    "Government": [
        "Authority", "Agency", "Council", "Commission", "Department", "Board", "Office", "Administration", "Services",
        "Bureau",
    ],
    "Nonprofit": [
        "Foundation", "Trust", "Alliance", "Society", "Institute", "Fund", "Association", "Network", "Initiative",
        "Coalition",
    ],
    "Energy": [
        "Energy", "Power", "Renewables", "Oil and Gas", "Solar", "Utilities", "Resources", "Electric", "Wind", "Grid",
    ],
    "Transportation and Logistics": [
        "Logistics", "Freight", "Transport", "Shipping", "Lines", "Express", "Cargo", "Haulage", "Fleet", "Delivery",
    ],
    "Construction": [
        "Construction", "Builders", "Contractors", "Engineering", "Developments", "Building", "Structures", "Homes",
        "Infrastructure", "Civil",
    ],
    "Real Estate": [
        "Properties", "Realty", "Real Estate", "Estates", "Land", "Holdings", "Property Group", "Residential",
        "Commercial", "Living",
    ],
    "Hospitality": [
        "Hotels", "Resorts", "Hospitality", "Inns", "Restaurants", "Dining", "Suites", "Lodging", "Travel", "Leisure",
    ],
    "Automotive": [
        "Motors", "Automotive", "Auto Parts", "Vehicles", "Mobility", "Drivetrain", "Dynamics", "Autoworks",
        "Motor Group", "EV",
    ],
    "Agriculture": [
        "Farms", "Agriculture", "Growers", "Harvest", "Agri", "Seeds", "Produce", "Ranch", "Orchards", "Crop Science",
    ],
}
NAME_WORDS_PER_INDUSTRY = 10

# Company names are a first part and a second part joined ("Blue" + "peak"),
# followed by an industry word: 150 x 100 x 10 distinct names.
NAME_FIRST_PARTS = [
    "Blue", "Red", "Green", "North", "South", "East", "West", "Silver", "Gold", "Iron",
    "Stone", "River", "Lake", "Cedar", "Pine", "Oak", "Maple", "Summit", "Bright", "Clear",
    "Swift", "True", "Prime", "Nova", "Apex", "Terra", "Aqua", "Sky", "Star", "Sun",
    "Moon", "Cloud", "Rock", "Bay", "Harbor", "Granite", "Copper", "Crystal", "Delta", "Echo",
    "Falcon", "Eagle", "Hawk", "Wolf", "Fox", "Bear", "Lion", "Tiger", "Orchid", "Willow",
    "Birch", "Aspen", "Elm", "Ash", "Ever", "High", "Deep", "Far", "Open", "Wide",
    "Bold", "Grand", "Noble", "Royal", "Quantum", "Vector", "Pixel", "Logic", "Signal", "Astra",
    "Vertex", "Zen", "Omni", "Inter", "Ultra", "Hyper", "Neo", "Opti", "Veri", "Cyber",
    "Alpha", "Sigma", "Orbit", "Polar", "Arctic", "Coral", "Amber", "Ruby", "Jade", "Onyx",
    "Ivory", "Indigo", "Crimson", "Azure", "Scarlet", "Sterling", "Pioneer", "Frontier", "Liberty", "Union",
    "Heritage", "Legacy", "Key", "Corner", "Bridge", "Beacon", "Harvest", "Meadow", "Prairie", "Canyon",
    "Mesa", "Sierra", "Tundra", "Glacier", "Ocean", "Tide", "Wave", "Coast", "Island", "Valley",
    "Forest", "Timber", "Spruce", "Hazel", "Laurel", "Sage", "Mint", "Clover", "Thistle", "Heather",
    "Lumen", "Photon", "Ion", "Atom", "Nimbus", "Zephyr", "Aurora", "Solar", "Lunar", "Comet",
    "Rapid", "Steady", "Keen", "Vivid", "Lucid", "Agile", "Nimble", "Brisk", "Fair", "Good",
]
NAME_SECOND_PARTS = [
    "peak", "field", "stone", "bridge", "point", "way", "gate", "path", "line", "wave",
    "light", "spring", "brook", "wood", "ridge", "view", "crest", "port", "haven", "vale",
    "mark", "wise", "core", "forge", "works", "craft", "shore", "land", "ford", "dale",
    "mont", "stead", "hill", "well", "side", "star", "sky", "fire", "wind", "water",
    "leaf", "root", "tree", "bloom", "seed", "grove", "glen", "moor", "cliff", "rock",
    "hub", "base", "span", "arc", "axis", "grid", "loop", "node", "net", "sphere",
    "beam", "spark", "flow", "stream", "pulse", "shift", "scale", "stack", "sync", "logic",
    "quest", "trail", "track", "rise", "crown", "shield", "anchor", "compass", "harbor", "tower",
    "lane", "row", "yard", "bay", "cove", "isle", "reach", "run", "bend", "falls",
    "gear", "mill", "press", "smith", "wright", "vista", "mind", "sense", "scope", "cast",
]

# Location: (country, region, state, city, weight). Country weights are
# spread over their cities; US and Canadian rows carry the state or province.
LOCATIONS = [
    ("US", "North America", "CA", "San Francisco", 3.0),
    ("US", "North America", "CA", "Los Angeles", 2.6),
    ("US", "North America", "CA", "San Diego", 1.2),
    ("US", "North America", "CA", "San Jose", 1.4),
    ("US", "North America", "TX", "Austin", 1.6),
    ("US", "North America", "TX", "Dallas", 1.8),
    ("US", "North America", "TX", "Houston", 1.8),
    ("US", "North America", "NY", "New York", 4.2),
    ("US", "North America", "NY", "Buffalo", 0.4),
    ("US", "North America", "FL", "Miami", 1.4),
    ("US", "North America", "FL", "Tampa", 0.8),
    ("US", "North America", "FL", "Orlando", 0.8),
    ("US", "North America", "IL", "Chicago", 2.4),
    ("US", "North America", "MA", "Boston", 2.0),
    ("US", "North America", "WA", "Seattle", 1.8),
    ("US", "North America", "PA", "Philadelphia", 1.1),
    ("US", "North America", "PA", "Pittsburgh", 0.7),
    ("US", "North America", "NJ", "Newark", 0.9),
    ("US", "North America", "NJ", "Jersey City", 0.6),
    ("US", "North America", "GA", "Atlanta", 1.6),
    ("US", "North America", "NC", "Charlotte", 0.8),
    ("US", "North America", "NC", "Raleigh", 0.7),
    ("US", "North America", "OH", "Columbus", 0.7),
    ("US", "North America", "OH", "Cleveland", 0.6),
    ("US", "North America", "VA", "Arlington", 0.7),
    ("US", "North America", "VA", "Richmond", 0.5),
    ("US", "North America", "CO", "Denver", 1.2),
    ("US", "North America", "MI", "Detroit", 0.8),
    ("US", "North America", "MN", "Minneapolis", 0.8),
    ("US", "North America", "AZ", "Phoenix", 0.9),
    ("US", "North America", "OR", "Portland", 0.6),
    ("US", "North America", "UT", "Salt Lake City", 0.6),
    ("US", "North America", "TN", "Nashville", 0.6),
    ("US", "North America", "MD", "Baltimore", 0.5),
    ("US", "North America", "WI", "Milwaukee", 0.4),
    ("US", "North America", "MO", "St. Louis", 0.4),
    ("US", "North America", "IN", "Indianapolis", 0.4),
    ("US", "North America", "DC", "Washington", 0.6),
    ("CA", "North America", "ON", "Toronto", 1.8),
    ("CA", "North America", "BC", "Vancouver", 0.9),
    ("CA", "North America", "QC", "Montreal", 0.8),
    ("CA", "North America", "AB", "Calgary", 0.5),
    ("GB", "EMEA", "", "London", 5.0),
    ("GB", "EMEA", "", "Manchester", 1.2),
    ("GB", "EMEA", "", "Edinburgh", 0.8),
    ("GB", "EMEA", "", "Birmingham", 0.8),
    ("DE", "EMEA", "", "Berlin", 1.8),
    ("DE", "EMEA", "", "Munich", 1.6),
    ("DE", "EMEA", "", "Hamburg", 1.0),
    ("DE", "EMEA", "", "Frankfurt", 1.2),
    ("FR", "EMEA", "", "Paris", 2.8),
    ("FR", "EMEA", "", "Lyon", 0.8),
    ("NL", "EMEA", "", "Amsterdam", 1.4),
    ("NL", "EMEA", "", "Rotterdam", 0.5),
    ("ES", "EMEA", "", "Madrid", 0.9),
    ("ES", "EMEA", "", "Barcelona", 0.8),
    ("IT", "EMEA", "", "Milan", 1.0),
    ("IT", "EMEA", "", "Rome", 0.6),
    ("IE", "EMEA", "", "Dublin", 1.0),
    ("SE", "EMEA", "", "Stockholm", 1.0),
    ("CH", "EMEA", "", "Zurich", 0.9),
    ("AE", "EMEA", "", "Dubai", 0.8),
    ("ZA", "EMEA", "", "Johannesburg", 0.6),
    ("IL", "EMEA", "", "Tel Aviv", 0.8),
    ("AU", "APAC", "", "Sydney", 1.8),
    ("AU", "APAC", "", "Melbourne", 1.2),
    ("JP", "APAC", "", "Tokyo", 2.2),
    ("JP", "APAC", "", "Osaka", 0.5),
    ("IN", "APAC", "", "Bengaluru", 1.6),
    ("IN", "APAC", "", "Mumbai", 1.0),
    ("IN", "APAC", "", "Hyderabad", 0.6),
    ("SG", "APAC", "", "Singapore", 1.5),
    ("KR", "APAC", "", "Seoul", 0.9),
    ("NZ", "APAC", "", "Auckland", 0.4),
    ("BR", "LATAM", "", "São Paulo", 1.8),
    ("BR", "LATAM", "", "Rio de Janeiro", 0.7),
    ("MX", "LATAM", "", "Mexico City", 1.5),
    ("MX", "LATAM", "", "Monterrey", 0.5),
    ("AR", "LATAM", "", "Buenos Aires", 0.8),
    ("CL", "LATAM", "", "Santiago", 0.6),
    ("CO", "LATAM", "", "Bogotá", 0.6),
]

REGION_FIT = {"North America": 0.4, "EMEA": 0.2, "APAC": -0.2, "LATAM": -0.4}

# Country: (currency, top-level domain, legal suffix, name used for a local subsidiary).
COUNTRIES = {
    "US": ("USD", "com", "Inc.", "US"),
    "CA": ("USD", "ca", "Inc.", "Canada"),
    "GB": ("GBP", "co.uk", "Ltd", "UK"),
    "DE": ("EUR", "de", "GmbH", "Deutschland"),
    "FR": ("EUR", "fr", "SAS", "France"),
    "NL": ("EUR", "nl", "B.V.", "Nederland"),
    "ES": ("EUR", "es", "S.L.", "España"),
    "IT": ("EUR", "it", "S.r.l.", "Italia"),
    "IE": ("EUR", "ie", "Ltd", "Ireland"),
    "SE": ("USD", "se", "AB", "Sverige"),
    "CH": ("USD", "ch", "AG", "Schweiz"),
    "AE": ("USD", "ae", "LLC", "Middle East"),
    "ZA": ("USD", "co.za", "(Pty) Ltd", "South Africa"),
    "IL": ("USD", "co.il", "Ltd", "Israel"),
    "AU": ("USD", "com.au", "Pty Ltd", "Australia"),
    "JP": ("USD", "co.jp", "K.K.", "Japan"),
    "IN": ("USD", "in", "Pvt Ltd", "India"),
    "SG": ("USD", "sg", "Pte Ltd", "Singapore"),
    "KR": ("USD", "co.kr", "Co., Ltd.", "Korea"),
    "NZ": ("USD", "co.nz", "Ltd", "New Zealand"),
    "BR": ("USD", "com.br", "Ltda.", "Brasil"),
    "MX": ("USD", "com.mx", "S.A. de C.V.", "México"),
    "AR": ("USD", "com.ar", "S.A.", "Argentina"),
    "CL": ("USD", "cl", "SpA", "Chile"),
    "CO": ("USD", "com.co", "S.A.S.", "Colombia"),
}

# Units of the account currency per US dollar, fixed so runs are repeatable.
USD_RATES = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}

# Technology: (share of companies of 150 employees that use it, category).
# Larger companies use more of each. The crm and warehouse categories
# raise the latent fit (see frames.fit_score).
TECHNOLOGIES = {
    "Salesforce": (0.22, "crm"),
    "HubSpot": (0.18, "marketing"),
    "Microsoft Dynamics 365": (0.05, "crm"),
    "Marketo": (0.05, "marketing"),
    "Outreach": (0.04, "sales"),
    "Salesloft": (0.03, "sales"),
    "Gong": (0.03, "sales"),
    "ZoomInfo": (0.05, "sales"),
    "LinkedIn Sales Navigator": (0.10, "sales"),
    "Zendesk": (0.09, "support"),
    "Intercom": (0.05, "support"),
    "ServiceNow": (0.04, "support"),
    "Jira": (0.18, "engineering"),
    "Confluence": (0.12, "engineering"),
    "GitHub": (0.15, "engineering"),
    "GitLab": (0.04, "engineering"),
    "Slack": (0.30, "collaboration"),
    "Microsoft Teams": (0.32, "collaboration"),
    "Zoom": (0.35, "collaboration"),
    "Google Workspace": (0.35, "collaboration"),
    "Microsoft 365": (0.40, "collaboration"),
    "Okta": (0.10, "security"),
    "CrowdStrike": (0.05, "security"),
    "AWS": (0.30, "cloud"),
    "Microsoft Azure": (0.18, "cloud"),
    "Google Cloud": (0.10, "cloud"),
    "Snowflake": (0.05, "warehouse"),
    "Databricks": (0.03, "warehouse"),
    "BigQuery": (0.04, "warehouse"),
    "Tableau": (0.07, "analytics"),
    "Power BI": (0.10, "analytics"),
    "Looker": (0.03, "analytics"),
    "Segment": (0.03, "analytics"),
    "Stripe": (0.06, "finance"),
    "NetSuite": (0.05, "finance"),
    "SAP": (0.05, "erp"),
    "Oracle": (0.05, "erp"),
    "Workday": (0.04, "hr"),
    "DocuSign": (0.09, "finance"),
    "Shopify": (0.04, "commerce"),
    "Kubernetes": (0.07, "engineering"),
    "Datadog": (0.04, "engineering"),
}

NEEDS = [
    "pipeline visibility",
    "territory planning",
    "data quality",
    "lead routing",
    "forecast accuracy",
    "account-based marketing",
    "customer retention",
    "cost reduction",
    "security compliance",
    "faster onboarding",
]

# Contact role: (title, department, seniority, weight). Departments and
# seniorities are the stored choice values.
CONTACT_ROLES = [
    ("Chief Executive Officer", Department.EXECUTIVE, Seniority.C_LEVEL, 2),
    ("Chief Financial Officer", Department.FINANCE, Seniority.C_LEVEL, 2),
    ("Chief Technology Officer", Department.ENGINEERING, Seniority.C_LEVEL, 2),
    ("Chief Information Officer", Department.IT, Seniority.C_LEVEL, 2),
    ("Chief Revenue Officer", Department.SALES, Seniority.C_LEVEL, 1.5),
    ("Chief Marketing Officer", Department.MARKETING, Seniority.C_LEVEL, 1.5),
    ("Chief Operating Officer", Department.OPERATIONS, Seniority.C_LEVEL, 1),
    ("VP of Engineering", Department.ENGINEERING, Seniority.VP, 3),
    ("VP of Sales", Department.SALES, Seniority.VP, 3.5),
    ("VP of Marketing", Department.MARKETING, Seniority.VP, 3),
    ("VP of Finance", Department.FINANCE, Seniority.VP, 1.5),
    ("VP of Customer Success", Department.CUSTOMER_SUCCESS, Seniority.VP, 1.5),
    ("VP of Product", Department.PRODUCT, Seniority.VP, 1.5),
    ("VP of Operations", Department.OPERATIONS, Seniority.VP, 1.5),
    ("Director of IT", Department.IT, Seniority.DIRECTOR, 3),
    ("Director of Revenue Operations", Department.OPERATIONS, Seniority.DIRECTOR, 3),
    ("Director of Sales", Department.SALES, Seniority.DIRECTOR, 3),
    ("Director of Marketing", Department.MARKETING, Seniority.DIRECTOR, 3),
    ("Director of Demand Generation", Department.MARKETING, Seniority.DIRECTOR, 2),
    ("Director of Engineering", Department.ENGINEERING, Seniority.DIRECTOR, 2.5),
    ("Director of Data", Department.ENGINEERING, Seniority.DIRECTOR, 1.5),
    ("Director of Procurement", Department.FINANCE, Seniority.DIRECTOR, 1.5),
    ("Director of Human Resources", Department.HUMAN_RESOURCES, Seniority.DIRECTOR, 1),
    ("General Counsel", Department.LEGAL, Seniority.DIRECTOR, 1),
    ("Head of Security", Department.IT, Seniority.DIRECTOR, 1.5),
    ("Sales Operations Manager", Department.OPERATIONS, Seniority.MANAGER, 3),
    ("Marketing Operations Manager", Department.MARKETING, Seniority.MANAGER, 3),
    ("Sales Manager", Department.SALES, Seniority.MANAGER, 3),
    ("IT Manager", Department.IT, Seniority.MANAGER, 3),
    ("Engineering Manager", Department.ENGINEERING, Seniority.MANAGER, 2.5),
    ("Product Manager", Department.PRODUCT, Seniority.MANAGER, 2.5),
    ("Customer Success Manager", Department.CUSTOMER_SUCCESS, Seniority.MANAGER, 2),
    ("Finance Manager", Department.FINANCE, Seniority.MANAGER, 1.5),
    ("Procurement Manager", Department.FINANCE, Seniority.MANAGER, 1.5),
    ("Office Manager", Department.OTHER, Seniority.MANAGER, 1),
    ("Account Executive", Department.SALES, Seniority.INDIVIDUAL_CONTRIBUTOR, 3),
    ("Sales Development Representative", Department.SALES, Seniority.INDIVIDUAL_CONTRIBUTOR, 2.5),
    ("Marketing Specialist", Department.MARKETING, Seniority.INDIVIDUAL_CONTRIBUTOR, 2.5),
    ("Data Analyst", Department.OPERATIONS, Seniority.INDIVIDUAL_CONTRIBUTOR, 2.5),
    ("Software Engineer", Department.ENGINEERING, Seniority.INDIVIDUAL_CONTRIBUTOR, 3),
    ("Systems Administrator", Department.IT, Seniority.INDIVIDUAL_CONTRIBUTOR, 2),
    ("Financial Analyst", Department.FINANCE, Seniority.INDIVIDUAL_CONTRIBUTOR, 1.5),
    ("Recruiter", Department.HUMAN_RESOURCES, Seniority.INDIVIDUAL_CONTRIBUTOR, 1),
    ("Paralegal", Department.LEGAL, Seniority.INDIVIDUAL_CONTRIBUTOR, 0.5),
    ("Customer Support Specialist", Department.CUSTOMER_SUCCESS, Seniority.INDIVIDUAL_CONTRIBUTOR, 1.5),
]

# Buying-role weights by seniority, in the order of BUYING_ROLES, with the
# last weight for an unknown role (stored blank).
BUYING_ROLES = [
    BuyingRole.ECONOMIC_BUYER,
    BuyingRole.CHAMPION,
    BuyingRole.USER,
    BuyingRole.TECHNICAL_REVIEWER,
    BuyingRole.INFLUENCER,
    BuyingRole.BLOCKER,
]
BUYING_ROLE_WEIGHTS = {
    Seniority.C_LEVEL: [60, 8, 0, 2, 12, 4, 14],
    Seniority.VP: [35, 25, 2, 5, 15, 4, 14],
    Seniority.DIRECTOR: [10, 30, 5, 20, 17, 4, 14],
    Seniority.MANAGER: [2, 28, 25, 15, 13, 3, 14],
    Seniority.INDIVIDUAL_CONTRIBUTOR: [0, 8, 50, 18, 8, 2, 14],
}

# Persona by department, a free-text label that marketing teams use.
PERSONAS = {
    Department.EXECUTIVE: "Executive Sponsor",
    Department.FINANCE: "Finance Approver",
    Department.ENGINEERING: "Technical Evaluator",
    Department.IT: "IT Decision Maker",
    Department.OPERATIONS: "Operations Leader",
    Department.MARKETING: "Marketing Leader",
    Department.SALES: "Sales Leader",
    Department.CUSTOMER_SUCCESS: "Customer Success Leader",
    Department.PRODUCT: "Product Leader",
    Department.HUMAN_RESOURCES: "People Leader",
    Department.LEGAL: "Legal Reviewer",
    Department.OTHER: "End User",
}

FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily",
    "Andrew", "Michelle", "Joshua", "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "George", "Rebecca",
    "Timothy", "Laura", "Ryan", "Emma", "Jacob", "Olivia", "Nicholas", "Sophia", "Eric", "Hannah",
    "Jonathan", "Grace", "Samuel", "Chloe", "Benjamin", "Zoe", "Lucas", "Mia", "Noah", "Ava",
    "Liam", "Isabella", "Ethan", "Charlotte", "Mateo", "Lucia", "Santiago", "Valentina", "Diego", "Camila",
    "Luis", "Sofia", "Carlos", "Ana", "Javier", "Elena", "Marco", "Giulia", "Lukas", "Lena",
    "Felix", "Anna", "Jonas", "Clara", "Hugo", "Louise", "Pierre", "Camille", "Arjun", "Priya",
    "Rahul", "Ananya", "Vikram", "Aisha", "Wei", "Mei", "Hiroshi", "Yuki", "Min", "Ji",
]
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
    "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Dubois", "Moreau",
    "Laurent", "Bernard", "Rossi", "Russo", "Ferrari", "Bianchi", "Romano", "Silva", "Santos", "Oliveira",
    "Costa", "Pereira", "Fernandez", "Gomez", "Diaz", "Morales", "Patel", "Sharma", "Singh", "Kumar",
    "Gupta", "Chen", "Wang", "Li", "Zhang", "Liu", "Tanaka", "Suzuki", "Sato", "Kim",
    "Park", "Choi", "OBrien", "Murphy", "Kelly", "Walsh", "Jansen", "de Vries", "Andersson", "Nilsson",
]

# Sales reps: fixed names, so a demo login can be set up for one of them
# with `create_user <username> --role sales` after any run.
SALES_REPS = [
    ("Avery", "Chen"), ("Jordan", "Patel"), ("Morgan", "Reyes"), ("Taylor", "Okafor"),
    ("Riley", "Novak"), ("Casey", "Lindqvist"), ("Quinn", "Moreau"), ("Harper", "Tanaka"),
    ("Rowan", "Silva"), ("Emerson", "Walsh"), ("Sawyer", "Kowalski"), ("Finley", "Haddad"),
    ("Hayden", "Brooks"), ("Parker", "Ivanova"), ("Reese", "Fontaine"), ("Dakota", "Mendes"),
    ("Skyler", "Nakamura"), ("Blake", "Osei"), ("Cameron", "Larsen"), ("Drew", "Castillo"),
    ("Elliot", "Baptiste"), ("Kendall", "Sorensen"), ("Logan", "Petrov"), ("Micah", "Adeyemi"),
    ("Peyton", "Gallagher"), ("Remy", "Duarte"), ("Sage", "Lindgren"), ("Tatum", "Varga"),
    ("Jamie", "Whitaker"), ("Alex", "Romero"),
]

# Opportunity stages as a CRM names them; open stages in pipeline order.
OPEN_STAGES = ["Prospecting", "Qualification", "Discovery", "Proposal", "Negotiation"]
WON_STAGE = "Closed Won"
LOST_STAGE = "Closed Lost"

EVENT_TYPE_WEIGHTS = {
    EventType.WEB_VISIT: 34,
    EventType.EMAIL_OPEN: 24,
    EventType.EMAIL_CLICK: 11,
    EventType.EMAIL_REPLY: 3,
    EventType.CONTENT_DOWNLOAD: 10,
    EventType.EVENT_ATTENDANCE: 4,
    EventType.CALL: 8,
    EventType.MEETING: 6,
}
# Share of events of each type that name a known contact. The rest are
# anonymous, such as a web visit matched to the account by its IP address.
EVENT_CONTACT_SHARE = {
    EventType.WEB_VISIT: 0.3,
    EventType.EMAIL_OPEN: 1.0,
    EventType.EMAIL_CLICK: 1.0,
    EventType.EMAIL_REPLY: 1.0,
    EventType.CONTENT_DOWNLOAD: 0.9,
    EventType.EVENT_ATTENDANCE: 0.95,
    EventType.CALL: 0.9,
    EventType.MEETING: 0.95,
}

EVENT_THEMES = [
    "pricing", "security", "integrations", "analytics", "automation", "compliance",
    "data quality", "ai", "onboarding", "roi", "migration", "customer stories",
]

INTENT_TOPICS = [
    "Revenue Operations", "Account-Based Marketing", "Sales Intelligence", "Customer Data Platform",
    "Data Warehousing", "Cloud Security", "Marketing Automation", "CRM Software",
    "Predictive Analytics", "Lead Scoring", "Sales Engagement", "Conversation Intelligence",
    "Data Governance", "Identity Management", "Customer Success Software", "Business Intelligence",
]
INTENT_PROVIDERS = {"bombora": 45, "g2": 20, "6sense": 10, "trustradius": 10, "website": 15}
