namespace Dataplane.ControlPlane.Model;

/// <summary>
/// Names for unnamed containers in Docker's style: an adjective and the surname of a notable scientist
/// or engineer, joined by an underscore ("nostalgic_hopper"). As in Docker, "boring_wozniak" is never
/// given (Steve Wozniak is not boring), and a name already taken is retried with a digit appended.
/// Every name matches the container-name rule ([a-zA-Z0-9][a-zA-Z0-9_.-]+).
/// </summary>
public static class NameGenerator
{
    private static readonly string[] Adjectives =
    [
        "admiring", "adoring", "affectionate", "agitated", "amazing", "angry", "awesome", "beautiful", "blissful", "bold",
        "boring", "brave", "busy", "charming", "clever", "compassionate", "competent", "confident", "cool", "cranky",
        "crazy", "dazzling", "determined", "distracted", "dreamy", "eager", "ecstatic", "elastic", "elated", "elegant",
        "eloquent", "epic", "exciting", "fervent", "festive", "flamboyant", "focused", "friendly", "frosty", "funny",
        "gallant", "gifted", "goofy", "gracious", "great", "happy", "hardcore", "heuristic", "hopeful", "hungry",
        "infallible", "inspiring", "intelligent", "interesting", "jolly", "jovial", "keen", "kind", "laughing", "loving",
        "lucid", "magical", "modest", "musing", "mystifying", "naughty", "nervous", "nice", "nifty", "nostalgic",
        "objective", "optimistic", "peaceful", "pedantic", "pensive", "practical", "priceless", "quirky", "quizzical", "recursing",
        "relaxed", "reverent", "romantic", "sad", "serene", "sharp", "silly", "sleepy", "stoic", "strange",
        "sweet", "tender", "thirsty", "trusting", "unruffled", "upbeat", "vibrant", "vigilant", "vigorous", "wizardly",
        "wonderful", "youthful", "zealous", "zen",
    ];

    private static readonly string[] Surnames =
    [
        "agnesi", "allen", "archimedes", "babbage", "banach", "bardeen", "bartik", "bell", "bhabha", "blackwell",
        "bohr", "booth", "borg", "bose", "brattain", "carson", "cerf", "chandrasekhar", "clarke", "cohen",
        "cori", "cray", "curie", "darwin", "davinci", "dijkstra", "easley", "einstein", "elion", "engelbart",
        "euclid", "euler", "faraday", "fermat", "fermi", "feynman", "franklin", "galileo", "gauss", "goldberg",
        "goodall", "hamilton", "hawking", "heisenberg", "hertz", "hodgkin", "hofstadter", "hopper", "hypatia", "jackson",
        "jemison", "johnson", "kalam", "kapitsa", "keller", "kepler", "khorana", "kilby", "knuth", "lalande",
        "lamarr", "lamport", "leakey", "leavitt", "liskov", "lovelace", "lumiere", "maxwell", "mayer", "mccarthy",
        "mcclintock", "meitner", "mendel", "mirzakhani", "morse", "newton", "nightingale", "nobel", "noether", "pascal",
        "pasteur", "payne", "perlman", "pike", "planck", "poincare", "ramanujan", "ritchie", "rosalind", "saha",
        "shannon", "shockley", "sinoussi", "stonebraker", "swartz", "tesla", "thompson", "torvalds", "turing", "volhard",
        "wescoff", "wiles", "williams", "wing", "wozniak", "wright", "yalow", "yonath",
    ];

    /// <summary>A name; after a clash (retry &gt; 0) with a random digit appended, as Docker does.</summary>
    public static string Generate(Random random, int retry = 0)
    {
        while (true)
        {
            string name = $"{Adjectives[random.Next(Adjectives.Length)]}_{Surnames[random.Next(Surnames.Length)]}";
            if (name == "boring_wozniak")
                continue;
            return retry > 0 ? name + random.Next(10) : name;
        }
    }

    /// <summary>A name nobody has (isTaken is asked about each candidate); gives up after many clashes.</summary>
    public static string Unique(Func<string, bool> isTaken, Random? random = null)
    {
        random ??= Random.Shared;
        for (int retry = 0; retry < 100; retry++)
        {
            string name = Generate(random, retry);
            if (!isTaken(name))
                return name;
        }
        throw new DataplaneException(ErrorKind.Conflict, "could not generate a container name that is not in use");
    }
}
