"""Common UK names for synthetic patients: invented people, any match to a real one is chance."""

# fmt: off
FEMALE_GIVEN = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
    "Grace", "Freya", "Evie", "Poppy", "Ella", "Sarah", "Emma", "Claire", "Helen", "Rachel",
    "Joanne", "Karen", "Susan", "Margaret", "Patricia", "Linda", "Janet", "Angela", "Nicola",
    "Amanda", "Deborah", "Julie", "Gillian", "Fiona", "Alison", "Priya", "Aisha", "Fatima",
    "Zainab", "Anita", "Agnieszka", "Katarzyna", "Maria", "Siobhan", "Bethan", "Megan", "Niamh",
    "Chloe", "Hannah", "Lucy", "Charlotte",
]
MALE_GIVEN = [
    "Oliver", "George", "Noah", "Arthur", "Leo", "Harry", "Oscar", "Jack", "Charlie", "Thomas",
    "James", "William", "Henry", "Jacob", "David", "John", "Michael", "Paul", "Mark", "Andrew",
    "Stephen", "Robert", "Richard", "Peter", "Christopher", "Ian", "Gary", "Simon", "Neil",
    "Darren", "Kevin", "Martin", "Graham", "Colin", "Mohammed", "Ali", "Imran", "Rajesh",
    "Sanjay", "Piotr", "Tomasz", "Dylan", "Rhys", "Gareth", "Owen", "Liam", "Connor", "Daniel",
    "Matthew", "Samuel", "Adam",
]
FAMILY = [
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
    "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell",
    "Rose", "Davis", "Rodriguez", "Cox", "Alexander", "Morgan", "Moore", "Harris", "Clark",
    "Turner", "Hill", "Cooper", "Ward", "Morris", "King", "Baker", "Hughes", "Edwards", "Price",
    "Bell", "Murphy", "Kelly", "Shah", "Ahmed", "Hussain", "Begum", "Nowak", "Kowalski", "Singh",
    "Kaur", "Campbell", "Stewart", "Macdonald", "Reid", "Murray", "O'Brien", "Byrne", "Lloyd",
]
# fmt: on
